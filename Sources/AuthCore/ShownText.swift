/// `BackendLookup.shown` built as bytes: literal words, the identity's own bytes and the odd
/// configured name, one buffer per request. Each backend derives its question on every check
/// and the check line prints it; built as an interpolated String from `ByteString.text` it cost
/// a String per piece, and then the log copied it back into bytes.
public struct ShownText: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 64) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func literal(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    public mutating func bytes(_ more: [UInt8]) {
        bytes.append(contentsOf: more)
    }

    /// A configured name (a PAM service, a file, a query token): through its contiguous UTF-8,
    /// not byte by byte.
    public mutating func text(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }
}
