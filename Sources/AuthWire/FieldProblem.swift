/// Why a request field cannot name anyone. `reason(field:)` goes on the wire after `NO `; it
/// names the problem (and for invisible characters, the code point) and never echoes the bytes.
public enum FieldProblem: Error, Equatable, Sendable {
    case notUTF8
    /// A NUL byte: C strings end there, so a store would see less than was sent.
    case nul
    /// C0, DEL or C1 controls: nothing a name legitimately holds, and what forges log lines.
    case controlCharacter
    /// Invisible formatting (Unicode Cf) and line or paragraph separators (U+2028, U+2029):
    /// they make two different names look alike, or a log line look like two.
    case formatCharacter(UInt32)

    public func reason(field: String) -> String {
        switch self {
        case .notUTF8: return "\(field) is not valid UTF-8"
        case .nul: return "\(field) contains a NUL byte"
        case .controlCharacter: return "\(field) contains a control character"
        case .formatCharacter(let value):
            let hex = String(value, radix: 16, uppercase: true)
            return "\(field) contains an invisible character (U+\(String(repeating: "0", count: max(0, 4 - hex.count)))\(hex))"
        }
    }
}
