/// The escaping of Dovecot's auth protocol: a field may not hold TAB, LF or CR (they frame the
/// protocol) nor NUL, so each is written as `\001` and a letter, and `\001` itself as `\001 1`.
public enum DovecotEscaping {
    static let escape: UInt8 = 0x01

    /// Appends `bytes` escaped to `output`.
    public static func escape<Bytes: Sequence>(_ bytes: Bytes, into output: inout [UInt8]) where Bytes.Element == UInt8 {
        for byte in bytes {
            if let letter = letter(for: byte) {
                output += [escape, letter]
            } else {
                output.append(byte)
            }
        }
    }

    /// Writes `bytes` escaped into `output` from `offset` (which has room for twice their count
    /// there) and returns the offset after them: an answer is formatted in place, in the buffer
    /// that is sent.
    public static func escape(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        var at = offset
        for byte in bytes {
            if let letter = letter(for: byte) {
                output[at] = escape
                output[at + 1] = letter
                at += 2
            } else {
                output[at] = byte
                at += 1
            }
        }
        return at
    }

    /// The letter after `\001` that stands for `byte`; nil for a byte written as it is. The one
    /// list of what is escaped, for both ways of writing a field.
    private static func letter(for byte: UInt8) -> UInt8? {
        switch byte {
        case 0x00: UInt8(ascii: "0")
        case escape: UInt8(ascii: "1")
        case UInt8(ascii: "\t"): UInt8(ascii: "t")
        case UInt8(ascii: "\r"): UInt8(ascii: "r")
        case UInt8(ascii: "\n"): UInt8(ascii: "n")
        default: nil
        }
    }

    /// The bytes a field stands for. An escape before any other character stands for that
    /// character (as Dovecot reads it); a lone escape at the end stands for nothing.
    public static func unescape<Bytes: Collection>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        guard bytes.contains(escape) else { return Array(bytes) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var escaped = false
        for byte in bytes {
            if escaped {
                escaped = false
                switch byte {
                case UInt8(ascii: "0"): output.append(0)
                case UInt8(ascii: "1"): output.append(escape)
                case UInt8(ascii: "t"): output.append(UInt8(ascii: "\t"))
                case UInt8(ascii: "r"): output.append(UInt8(ascii: "\r"))
                case UInt8(ascii: "n"): output.append(UInt8(ascii: "\n"))
                default: output.append(byte)
                }
            } else if byte == escape {
                escaped = true
            } else {
                output.append(byte)
            }
        }
        return output
    }
}
