/// The one identity a request stands for once the realm rules have run; backends render it the
/// way their store expects (see `IdentityStyle`).
public struct CanonicalIdentity: Sendable, Equatable, CustomStringConvertible {
    public var user: String
    /// Canonical realm: lowercase, no trailing dot, aliases applied. May be empty when no realm
    /// was given and `realms.default` is unset.
    public var realm: String
    /// The login exactly as the client sent it, for `identity: as_sent`.
    public var loginAsSent: String

    public init(user: String, realm: String, loginAsSent: String) {
        self.user = user
        self.realm = realm
        self.loginAsSent = loginAsSent
    }

    /// `user@realm`, or the bare user when the realm is empty.
    public var qualified: String { realm.isEmpty ? user : "\(user)@\(realm)" }

    public var description: String { qualified }
}
