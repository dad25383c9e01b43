/// A log message with fields, built as bytes in CompactLogHandler's form (`key=value`, values
/// quoted by its rules), for the check line that every request writes.
///
/// A struct with mutating methods rather than nested functions over a local array: captured by
/// nested functions, the array lived in a heap box with an exclusivity check on every append,
/// which cost more than the appends themselves.
struct LogLineBuilder {
    private(set) var bytes: [UInt8] = []

    init(message: StaticString, capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
        message.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func quoted(_ name: StaticString, _ value: [UInt8]) {
        key(name)
        value.withUnsafeBufferPointer { CompactLogHandler.appendQuoted($0, to: &bytes) }
    }

    mutating func quoted(_ name: StaticString, _ value: String) {
        key(name)
        var value = value
        value.withUTF8 { CompactLogHandler.appendQuoted($0, to: &bytes) }
    }

    /// A whole number needs no quotes.
    mutating func number(_ name: StaticString, _ value: Int) {
        key(name)
        CompactLogHandler.appendDigits(value, to: &bytes)
    }

    /// Milliseconds to the microsecond, as a Double prints them (`0.064`, `12.0`), which is how
    /// the line has always read.
    mutating func milliseconds(_ name: StaticString, microseconds: Int) {
        let micros = max(microseconds, 0)
        number(name, micros / 1000)
        bytes.append(UInt8(ascii: "."))
        var fraction = micros % 1000
        var width = 3
        while width > 1, fraction % 10 == 0 {
            fraction /= 10
            width -= 1
        }
        CompactLogHandler.appendDigits(fraction, count: width, to: &bytes)
    }

    /// Appends a String's UTF-8 through its contiguous storage: appending `text.utf8` as a
    /// collection went byte by byte, about 400 instructions for a short name.
    static func append(_ text: String, to bytes: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    private mutating func key(_ name: StaticString) {
        bytes.append(UInt8(ascii: " "))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "="))
    }
}
