/// Why a pwcheck or authdaemond request is refused before any backend is asked. `reason` is
/// for the log and, on pwcheck, for the client; it names the problem without echoing the bytes.
public enum FrontDoorRequestError: Error, Equatable, Sendable {
    case tooLong(field: String, limit: Int)
    case incomplete
    case malformed(String)
    case emptyLogin
    case emptyPassword
    case notUTF8(field: String)
    case controlCharacter(field: String)
    /// An authdaemond command other than `AUTH` (`PRE`, `ENUMERATE`, `PASSWD`, …).
    case unsupportedCommand(String)
    /// An authdaemond `AUTH` whose type is not `login` (the CRAM variants need stored secrets).
    case unsupportedAuthType(String)

    public var reason: String {
        switch self {
        case .tooLong(let field, let limit): return "\(field) too long (at most \(limit) bytes)"
        case .incomplete: return "incomplete request"
        case .malformed(let what): return "malformed request (\(what))"
        case .emptyLogin: return "empty login"
        case .emptyPassword: return "empty password"
        case .notUTF8(let field): return "\(field) is not valid UTF-8"
        case .controlCharacter(let field): return "\(field) contains a control character"
        case .unsupportedCommand(let command): return "unsupported command \(command)"
        case .unsupportedAuthType(let type): return "unsupported authentication type \(type)"
        }
    }
}
