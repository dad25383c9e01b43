/// Where a log line's bytes are appended: an array for the daemon's ordinary lines, a
/// `LogLineBuilder` for the check line. The quoting and number rules (`CompactLogHandler`) are
/// written once, against this.
protocol LogBytes: ~Copyable {
    mutating func appendByte(_ byte: UInt8)
    mutating func appendBytes(_ bytes: UnsafeBufferPointer<UInt8>)
}

extension LogBytes where Self: ~Copyable {
    mutating func appendStatic(_ text: StaticString) {
        text.withUTF8Buffer { appendBytes($0) }
    }

    /// A String's UTF-8 through its contiguous storage (as a collection it went byte by byte).
    mutating func appendText(_ text: String) {
        var text = text
        text.withUTF8 { appendBytes($0) }
    }
}

extension Array: LogBytes where Element == UInt8 {
    mutating func appendByte(_ byte: UInt8) {
        append(byte)
    }

    mutating func appendBytes(_ bytes: UnsafeBufferPointer<UInt8>) {
        append(contentsOf: bytes)
    }
}
