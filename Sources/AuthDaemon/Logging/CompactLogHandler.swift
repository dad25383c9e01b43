import Logging
import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#endif

/// One line per event: `2026-11-24T16:45:01.123Z info check backend=mailusers result=OK …`.
///
/// Timestamps are UTC with milliseconds (the journal adds its own; files stay sortable), the
/// date part formatted once per second; metadata keys are sorted so lines diff cleanly; values
/// with spaces are quoted and newlines escaped so no value can forge a second line.
struct CompactLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    let label: String
    let sink: LogSink

    init(label: String, level: Logger.Level, sink: LogSink = .shared) {
        self.label = label
        self.logLevel = level
        self.sink = sink
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Built as bytes and handed to the sink as bytes: this runs for every check, and building
    /// the line as a String (interpolated timestamp, appends, a UTF-8 copy into the sink) cost
    /// about a tenth of a check's instructions on the Dovecot door.
    func log(event: LogEvent) {
        var line: [UInt8] = []
        line.reserveCapacity(320)
        Self.appendTimestamp(to: &line)
        line.append(UInt8(ascii: " "))
        line.append(contentsOf: event.level.rawValue.utf8)
        line.append(UInt8(ascii: " "))
        appendMessage(of: event, to: &line)
        sink.append(line, urgent: event.level >= .warning)
    }

    /// The message and its fields (all but the time and level at the start of a line).
    func appendMessage(of event: LogEvent, to line: inout [UInt8]) {
        Self.appendEscaped(event.message.description, to: &line)
        let provided = metadataProvider?.get() ?? [:]
        if !metadata.isEmpty || !provided.isEmpty || event.metadata?.isEmpty == false {
            var merged = metadata
            merged.merge(provided) { _, new in new }
            if let extra = event.metadata { merged.merge(extra) { _, new in new } }
            for key in merged.keys.sorted() {
                line.append(UInt8(ascii: " "))
                line.append(contentsOf: key.utf8)
                line.append(UInt8(ascii: "="))
                Self.appendQuoted("\(merged[key]!)".utf8, to: &line)
            }
        }
    }

    /// The date and time to the second, as bytes, remade once a second.
    private static let secondCache = NIOLockedValueBox<(second: Int, text: [UInt8])>((-1, []))

    /// `2026-11-24T16:45:01.123Z`, UTC.
    static func appendTimestamp<Out: LogBytes & ~Copyable>(to line: inout Out) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let second = now.tv_sec
        secondCache.withLockedValue { cache in
            if cache.second != second {
                var seconds = second
                var parts = tm()
                gmtime_r(&seconds, &parts)
                var text: [UInt8] = []
                appendDigits(Int(parts.tm_year) + 1900, count: 4, to: &text)
                text.append(UInt8(ascii: "-"))
                appendDigits(Int(parts.tm_mon) + 1, count: 2, to: &text)
                text.append(UInt8(ascii: "-"))
                appendDigits(Int(parts.tm_mday), count: 2, to: &text)
                text.append(UInt8(ascii: "T"))
                appendDigits(Int(parts.tm_hour), count: 2, to: &text)
                text.append(UInt8(ascii: ":"))
                appendDigits(Int(parts.tm_min), count: 2, to: &text)
                text.append(UInt8(ascii: ":"))
                appendDigits(Int(parts.tm_sec), count: 2, to: &text)
                cache = (second, text)
            }
            cache.text.withUnsafeBufferPointer { line.appendBytes($0) }
        }
        line.appendByte(UInt8(ascii: "."))
        appendDigits(now.tv_nsec / 1_000_000, count: 3, to: &line)
        line.appendByte(UInt8(ascii: "Z"))
    }

    /// `value` (negative counts as 0) in decimal, zero-padded to `count` digits, or more if it
    /// needs them. Written out by hand because String(value) costs an allocation per number.
    static func appendDigits<Out: LogBytes & ~Copyable>(_ value: Int, count: Int = 1, to line: inout Out) {
        var rest = max(value, 0)
        var scale = 1
        var width = 1
        while scale <= rest / 10 {
            scale *= 10
            width += 1
        }
        for _ in width..<max(count, width) { line.appendByte(UInt8(ascii: "0")) }
        while scale > 0 {
            line.appendByte(UInt8(ascii: "0") + UInt8(rest / scale))
            rest %= scale
            scale /= 10
        }
    }

    /// Appends a message with control characters escaped, so no message can forge a second
    /// line. Control characters are all ASCII, so escaping bytes is escaping scalars.
    static func appendEscaped(_ text: String, to line: inout [UInt8]) {
        var text = text
        text.withUTF8 { appendEscaped($0, to: &line) }
    }

    static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to line: inout [UInt8]) {
        guard hasControlCharacter(bytes) else { return line.append(contentsOf: bytes) }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\n"): line.append(contentsOf: "\\n".utf8)
            case UInt8(ascii: "\r"): line.append(contentsOf: "\\r".utf8)
            case UInt8(ascii: "\t"): line.append(contentsOf: "\\t".utf8)
            case 0..<0x20, 0x7F: line.append(contentsOf: "\\x\(String(byte, radix: 16))".utf8)
            default: line.append(byte)
            }
        }
    }

    /// Whether `bytes` hold a byte below 0x20 or 0x7F, eight bytes at a time: every log line is
    /// scanned, and byte by byte the scan cost more than building the check line's fields.
    /// For each byte b of a word, (b - 0x20) borrows into the top bit only when b < 0x20, and
    /// (b ^ 0x7F) - 0x01 only when b == 0x7F; `& ~word` keeps bytes whose own top bit is clear.
    /// (A borrow can only mark a byte to the left of a true hit, so the answer is exact.)
    static func hasControlCharacter(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        var index = 0
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while index + 8 <= bytes.count {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                let below = (word &- ones &* 0x20) & ~word & high
                let delete = ((word ^ (ones &* 0x7F)) &- ones) & ~(word ^ (ones &* 0x7F)) & high
                if below | delete != 0 { return true }
                index += 8
            }
        }
        while index < bytes.count {
            if bytes[index] < 0x20 || bytes[index] == 0x7F { return true }
            index += 1
        }
        return false
    }

    static func quoted(_ value: String) -> String {
        guard needsQuotes(value.utf8) else { return value }
        var out: [UInt8] = []
        appendQuoted(value.utf8, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A value is written bare unless it is empty or holds a space, a quote, a backslash or a
    /// control character.
    static func needsQuotes<Bytes: Collection>(_ value: Bytes) -> Bool where Bytes.Element == UInt8 {
        value.isEmpty || value.contains { $0 <= 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == 0x7F }
    }

    /// Appends `value` as a metadata value: bare, or in double quotes with `\\`, `\"`, `\n`,
    /// `\r`, `\t` and `\x..` escapes. On UTF-8 bytes, because the check line is built as bytes
    /// (see `ServerContext.logCheck`) and walking `Character`s costs a grapheme break per
    /// character; bytes from 0x80 up (the rest of any UTF-8 sequence) pass unchanged.
    static func appendQuoted<Bytes: Collection>(_ value: Bytes, to out: inout [UInt8]) where Bytes.Element == UInt8 {
        if let done: Void = value.withContiguousStorageIfAvailable({ appendQuotedBytes($0, to: &out) }) { return done }
        Array(value).withUnsafeBufferPointer { appendQuotedBytes($0, to: &out) }
    }

    /// The same on contiguous bytes: runs of plain bytes are copied whole, since a check line
    /// appended byte by byte cost a uniqueness check per byte.
    static func appendQuotedBytes<Out: LogBytes & ~Copyable>(_ value: UnsafeBufferPointer<UInt8>, to out: inout Out) {
        guard needsQuotes(value) else { return out.appendBytes(value) }
        out.appendByte(UInt8(ascii: "\""))
        appendEscapedInQuotes(value, to: &out)
        out.appendByte(UInt8(ascii: "\""))
    }

    /// What goes between a quoted value's quotes: `\\`, `\"`, `\n`, `\r`, `\t` and `\x..`
    /// escapes, every other byte as it is.
    static func appendEscapedInQuotes<Out: LogBytes & ~Copyable>(_ value: UnsafeBufferPointer<UInt8>, to out: inout Out) {
        let backslash = UInt8(ascii: "\\")
        var plainFrom = 0
        for index in value.indices {
            let byte = value[index]
            guard byte < 0x20 || byte == 0x7F || byte == backslash || byte == UInt8(ascii: "\"") else { continue }
            out.appendBytes(UnsafeBufferPointer(rebasing: value[plainFrom..<index]))
            plainFrom = index + 1
            out.appendByte(backslash)
            switch byte {
            case backslash, UInt8(ascii: "\""): out.appendByte(byte)
            case UInt8(ascii: "\n"): out.appendByte(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): out.appendByte(UInt8(ascii: "r"))
            case UInt8(ascii: "\t"): out.appendByte(UInt8(ascii: "t"))
            default: out.appendText("x\(String(byte, radix: 16))")
            }
        }
        out.appendBytes(UnsafeBufferPointer(rebasing: value[plainFrom...]))
    }
}
