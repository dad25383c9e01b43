public import AuthWire
/// How a backend spells the canonical identity to its store (`identity:` in a backend's config).
public enum IdentityStyle: String, Sendable, CaseIterable {
    /// `foo`: what PAM and Unix accounts expect.
    case bare
    /// `foo@example.com`: for stores keyed by the full address (SSSD, pam_ldap setups).
    case qualified
    /// The login exactly as the client sent it, before any rule ran.
    case asSent = "as_sent"

    public func render(_ identity: CanonicalIdentity) -> ByteString {
        switch self {
        case .bare: return identity.user
        case .qualified: return identity.qualified
        case .asSent: return identity.loginAsSent
        }
    }
}
