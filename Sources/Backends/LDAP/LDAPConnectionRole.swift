/// What a pooled connection is used for. Keeping the two apart is what makes pooling safe:
/// a search connection is bound only as `bind_dn` (or anonymous) and never as a user, so no
/// check's search can run with the previous user's identity; a user-bind connection is only
/// ever used to bind, and each bind replaces whatever identity it had.
enum LDAPConnectionRole: Int, Sendable, CaseIterable {
    /// Searches for users and compares group membership, as the service identity.
    case search
    /// Binds as users to check their passwords.
    case userBind
}
