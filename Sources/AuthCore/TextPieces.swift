/// Log text handed over in pieces of UTF-8 (see `CheckOutcome.writeTrail`), so the check line
/// can write it straight into its bytes while `trailText` and `logText` collect the same pieces
/// into a String: one rendering, two destinations.
public typealias TextPieceWriter = (UnsafeBufferPointer<UInt8>) -> Void

enum TextPieces {
    static func write(_ text: StaticString, _ write: TextPieceWriter) {
        text.withUTF8Buffer(write)
    }

    static func write(_ text: String, _ write: TextPieceWriter) {
        var text = text
        text.withUTF8(write)
    }

    /// The pieces `render` writes, as one String.
    static func collect(_ render: (TextPieceWriter) -> Void) -> String {
        var bytes: [UInt8] = []
        render { bytes.append(contentsOf: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
