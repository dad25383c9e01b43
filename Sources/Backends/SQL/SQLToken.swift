import AuthWire
import AuthCore

/// A named token of `password_query`, replaced by a bound parameter (never by text spliced into
/// the SQL): whatever bytes a client sends, it stays a value the database compares.
public enum SQLToken: String, Sendable, CaseIterable, Equatable {
    /// `%{login}`: the login exactly as the client sent it, before any realm rule.
    case login
    /// `%{user}`: the canonical identity in the backend's `identity:` style (`qualified`,
    /// `alice@example.com`, unless set otherwise): what a mail store's `username` column holds.
    case user
    /// `%{realm}`: the canonical realm (`example.com`), empty when the request has none.
    case realm
    /// `%{service}`: the service the client named (`imap`, `smtp`).
    case service

    /// The token's value for one check, as bytes.
    func value(identity: CanonicalIdentity, service: ByteString, style: IdentityStyle) -> ByteString {
        switch self {
        case .login: return identity.loginAsSent
        case .user: return style.render(identity)
        case .realm: return identity.realm
        case .service: return service
        }
    }
}
