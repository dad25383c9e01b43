import Logging

/// The check line, built as bytes in CompactLogHandler's form (`key=value`, values quoted by its
/// rules) in memory of its own: every request writes one, and appending to an array cost a
/// uniqueness and capacity check through generic code per field, more than the copying.
///
/// With `timestamped`, the line starts as CompactLogHandler starts every line (time, level),
/// and `ServerContext.logCheck` hands it to the handler's sink as it is: no second copy, and no
/// scan for control characters, since every value goes through `appendQuotedBytes` and keys are
/// static.
struct LogLineBuilder: ~Copyable, LogBytes {
    private var storage: UnsafeMutableRawBufferPointer
    private var count = 0
    /// Where the message starts (after the time and level, when there are any).
    private var messageStart = 0

    init(level: Logger.Level, message: StaticString, timestamped: Bool, capacity: Int = 320) {
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 8)
        if timestamped {
            CompactLogHandler.appendTimestamp(to: &self)
            appendByte(UInt8(ascii: " "))
            appendText(level.rawValue)
            appendByte(UInt8(ascii: " "))
        }
        messageStart = count
        appendStatic(message)
    }

    deinit {
        storage.deallocate()
    }

    /// The whole line, without its newline; valid during the call.
    func withLine<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        body(UnsafeBufferPointer(start: storage.baseAddress!.assumingMemoryBound(to: UInt8.self), count: count))
    }

    /// The message and its fields, without time and level: for a handler other than ours.
    var message: String {
        withLine { String(decoding: UnsafeBufferPointer(rebasing: $0[messageStart...]), as: UTF8.self) }
    }

    mutating func appendByte(_ byte: UInt8) {
        if count == storage.count { grow(by: 1) }
        storage[count] = byte
        count += 1
    }

    mutating func appendBytes(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        if count + bytes.count > storage.count { grow(by: bytes.count) }
        (storage.baseAddress! + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    private mutating func grow(by needed: Int) {
        let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: max(storage.count * 2, count + needed), alignment: 8)
        larger.baseAddress!.copyMemory(from: storage.baseAddress!, byteCount: count)
        storage.deallocate()
        storage = larger
    }

    /// ` name=` then the value, bare or quoted.
    mutating func quoted(_ name: StaticString, _ value: [UInt8]) {
        key(name)
        value.withUnsafeBufferPointer { CompactLogHandler.appendQuotedBytes($0, to: &self) }
    }

    mutating func quoted(_ name: StaticString, _ value: String) {
        key(name)
        var value = value
        value.withUTF8 { CompactLogHandler.appendQuotedBytes($0, to: &self) }
    }

    /// A value known to need no quotes (a fixed word).
    mutating func bare(_ name: StaticString, _ value: StaticString) {
        key(name)
        appendStatic(value)
    }

    /// A whole number needs no quotes.
    mutating func number(_ name: StaticString, _ value: Int) {
        key(name)
        CompactLogHandler.appendDigits(value, to: &self)
    }

    /// Milliseconds to the microsecond, as a Double prints them (`0.064`, `12.0`), which is how
    /// the line has always read.
    mutating func milliseconds(_ name: StaticString, microseconds: Int) {
        let micros = max(microseconds, 0)
        number(name, micros / 1000)
        appendByte(UInt8(ascii: "."))
        var fraction = micros % 1000
        var width = 3
        while width > 1, fraction % 10 == 0 {
            fraction /= 10
            width -= 1
        }
        CompactLogHandler.appendDigits(fraction, count: width, to: &self)
    }

    /// ` name="` — a value that always needs quotes, written in parts with `quotedPart`;
    /// `closeQuote` ends it.
    mutating func openQuoted(_ name: StaticString) {
        key(name)
        appendByte(UInt8(ascii: "\""))
    }

    mutating func quotedPart(_ bytes: UnsafeBufferPointer<UInt8>) {
        CompactLogHandler.appendEscapedInQuotes(bytes, to: &self)
    }

    /// A fixed piece between the quotes that needs no escaping (a separator).
    mutating func quotedPart(_ text: StaticString) {
        appendStatic(text)
    }

    mutating func closeQuote() {
        appendByte(UInt8(ascii: "\""))
    }

    private mutating func key(_ name: StaticString) {
        appendByte(UInt8(ascii: " "))
        appendStatic(name)
        appendByte(UInt8(ascii: "="))
    }
}
