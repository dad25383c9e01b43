/// Why a saslauthd request is refused before it reaches any backend. `reason` is the text sent
/// after `NO `; it names the problem and never echoes the offending bytes.
public enum SaslauthdRequestError: Error, Equatable, Sendable {
    case fieldTooLong(field: Int)
    case trailingBytes
    case incomplete
    case emptyLogin
    case emptyPassword
    case notUTF8(field: Int)
    case controlCharacter(field: Int)

    public var reason: String {
        switch self {
        case .fieldTooLong(let field):
            return "\(SaslauthdCodec.fieldNames[field]) too long (at most \(SaslauthdCodec.maxFieldLength) bytes)"
        case .trailingBytes:
            return "malformed request (data after the last field)"
        case .incomplete:
            return "incomplete request"
        case .emptyLogin:
            return "empty login"
        case .emptyPassword:
            return "empty password"
        case .notUTF8(let field):
            return "\(SaslauthdCodec.fieldNames[field]) is not valid UTF-8"
        case .controlCharacter(let field):
            return "\(SaslauthdCodec.fieldNames[field]) contains a control character"
        }
    }
}
