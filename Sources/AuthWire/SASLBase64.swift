/// Base64 (RFC 4648, with padding) as SASL carries it: Dovecot's `resp=` and `CONT` data.
///
/// Written by hand rather than taken from Foundation or swift-extras-base64 because the decoded
/// bytes are a password: they must land in a buffer the caller owns and wipes, with no
/// intermediate `String` or `Data` left in freed memory, and the check must be strict (no
/// whitespace, no missing or misplaced padding), which a fuzz target holds it to.
public enum SASLBase64 {
    /// The most bytes `count` characters of base64 can decode to.
    public static func maxDecodedCount(_ count: Int) -> Int { count / 4 * 3 }

    /// Decodes `text` into `output` (at least `maxDecodedCount(text.count)` bytes) and returns
    /// the number of bytes written, or nil when `text` is not strict base64.
    public static func decode<Text: Collection>(_ text: Text, into output: UnsafeMutableRawBufferPointer) -> Int?
    where Text.Element == UInt8 {
        let count = text.count
        guard count % 4 == 0, output.count >= maxDecodedCount(count) else { return nil }
        return sextets.withUnsafeBufferPointer { sextets in
            var written = 0
            var quad: UInt32 = 0
            var padding = 0
            var offset = 0
            for character in text {
                // One table look-up per character: the range tests cost about three times as
                // many instructions, on every Dovecot request.
                let value = sextets[Int(character)]
                if value != invalid {
                    guard padding == 0 else { return nil }
                    quad = quad << 6 | UInt32(value)
                } else if character == UInt8(ascii: "=") {
                    // Padding only in the last two places, and nothing but padding after it.
                    guard offset >= count - 2 else { return nil }
                    padding += 1
                    quad <<= 6
                } else {
                    return nil
                }
                offset += 1
                if offset % 4 == 0 {
                    let bytes = 3 - padding
                    if bytes >= 1 { output[written] = UInt8(truncatingIfNeeded: quad >> 16) }
                    if bytes >= 2 { output[written + 1] = UInt8(truncatingIfNeeded: quad >> 8) }
                    if bytes >= 3 { output[written + 2] = UInt8(truncatingIfNeeded: quad) }
                    written += bytes
                    quad = 0
                }
            }
            return written
        }
    }

    /// Appends the base64 form of `bytes` to `output`.
    public static func encode<Bytes: Collection>(_ bytes: Bytes, into output: inout [UInt8]) where Bytes.Element == UInt8 {
        var iterator = bytes.makeIterator()
        while let first = iterator.next() {
            let second = iterator.next()
            let third = iterator.next()
            let group = UInt32(first) << 16 | UInt32(second ?? 0) << 8 | UInt32(third ?? 0)
            output.append(alphabet[Int(group >> 18 & 63)])
            output.append(alphabet[Int(group >> 12 & 63)])
            output.append(second == nil ? UInt8(ascii: "=") : alphabet[Int(group >> 6 & 63)])
            output.append(third == nil ? UInt8(ascii: "=") : alphabet[Int(group & 63)])
        }
    }

    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let invalid: UInt8 = 0xFF

    /// Each byte's value in the alphabet, `invalid` for every byte outside it (`=` included).
    private static let sextets: [UInt8] = {
        var table = [UInt8](repeating: invalid, count: 256)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
        return table
    }()
}
