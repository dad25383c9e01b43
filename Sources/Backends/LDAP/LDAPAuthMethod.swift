/// How a password is checked against the directory (`auth_method:`), named as saslauthd names
/// them in `ldap_auth_method`.
public enum LDAPAuthMethod: String, Sendable, Equatable, CaseIterable {
    /// Search for the user's entry with `filter` under `search_base` (as `bind_dn` or
    /// anonymously), then bind as the one DN found with the user's password.
    case bind
    /// The expanded `filter` is the user's DN: bind as it directly, no search.
    case fastbind
}
