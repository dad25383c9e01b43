/// Why a validated login cannot be turned into an identity. `reason` goes on the wire after `NO `.
public enum NormalizationError: Error, Equatable, Sendable {
    /// Nothing before the `@` (`@example.com`).
    case emptyUser

    public var reason: String {
        switch self {
        case .emptyUser: return "empty user name"
        }
    }
}
