/// Why a login or realm cannot be turned into an identity. `reason` goes on the wire after `NO `.
public enum NormalizationError: Error, Equatable, Sendable {
    case controlCharacter(field: String)
    case emptyUser

    public var reason: String {
        switch self {
        case .controlCharacter(let field): return "\(field) contains a control character"
        case .emptyUser: return "empty user name"
        }
    }
}
