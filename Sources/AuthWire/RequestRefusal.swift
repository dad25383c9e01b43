/// Why a request that arrived whole is refused before the realm rules run, on any front door.
/// `reason` goes on the wire after `NO ` (where the door has a reason) and into the log.
public enum RequestRefusal: Error, Equatable, Sendable {
    case emptyLogin
    case emptyPassword
    /// `field` is the field's name as the administrator knows it (`login`, `service`…).
    case field(String, FieldProblem)

    public var reason: String {
        switch self {
        case .emptyLogin: return "empty login"
        case .emptyPassword: return "empty password"
        case .field(let name, let problem): return problem.reason(field: name)
        }
    }
}
