/// One line of a Dovecot passwd-file, classified: `user:password[:uid:gid:gecos:home:shell:extra]`.
///
/// Only the first two fields matter to authmux; the rest is kept as written when a line is
/// rewritten. A line starting with `#` is a comment, an empty (or blank) line is nothing; every
/// other line either is an entry or is malformed, and a malformed line is always reported,
/// never skipped in silence.
public enum PasswdFileLine: Equatable {
    case blank
    case comment
    case malformed(reason: String)
    /// Byte ranges of the user and password fields within the line.
    case entry(user: Range<Int>, password: Range<Int>)

    public static func classify(_ line: ArraySlice<UInt8>) -> PasswdFileLine {
        let start = line.startIndex
        if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { return .blank }
        if line.first == UInt8(ascii: "#") { return .comment }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            return .malformed(reason: "no ':' after the user name")
        }
        guard colon > start else { return .malformed(reason: "empty user name") }
        let user = line[start..<colon]
        if user.contains(where: isControl) { return .malformed(reason: "control character in the user name") }
        let rest = line[(colon + 1)...]
        let passwordEnd = rest.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        guard passwordEnd > colon + 1 else { return .malformed(reason: "empty password field") }
        if line[(colon + 1)..<passwordEnd].contains(where: isControl) {
            return .malformed(reason: "control character in the password field")
        }
        return .entry(user: (start - start)..<(colon - start), password: (colon + 1 - start)..<(passwordEnd - start))
    }

    /// Below space, and DEL: never part of a name or a hash; a tab or a stray carriage return
    /// in the middle of a line is an editing accident worth reporting.
    static func isControl(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x7F
    }
}
