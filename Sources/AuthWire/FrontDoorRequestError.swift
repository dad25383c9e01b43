/// Why a pwcheck or authdaemond request is refused before any backend is asked. `reason` is
/// for the log and, on pwcheck, for the client; it names the problem without echoing the bytes.
public enum FrontDoorRequestError: Error, Equatable, Sendable {
    case tooLong(field: String, limit: Int)
    case incomplete
    case malformed(String)
    /// An authdaemond command other than `AUTH` (`PRE`, `ENUMERATE`, `PASSWD`, …).
    case unsupportedCommand(String)
    /// An authdaemond `AUTH` whose type is not `login` (the CRAM variants need stored secrets).
    case unsupportedAuthType(String)
    /// Framed correctly, refused by the rules every front door shares.
    case refused(RequestRefusal)

    public var reason: String {
        switch self {
        case .tooLong(let field, let limit): return "\(field) too long (at most \(limit) bytes)"
        case .incomplete: return "incomplete request"
        case .malformed(let what): return "malformed request (\(what))"
        case .unsupportedCommand(let command): return "unsupported command \(command)"
        case .unsupportedAuthType(let type): return "unsupported authentication type \(type)"
        case .refused(let refusal): return refusal.reason
        }
    }
}
