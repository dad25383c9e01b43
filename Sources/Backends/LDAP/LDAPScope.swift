/// How deep the user search looks under `search_base` (`scope:`, saslauthd's `ldap_scope`).
public enum LDAPScope: String, Sendable, Equatable, CaseIterable {
    case sub
    case one
    case base

    /// `LDAP_SCOPE_SUBTREE`, `_ONELEVEL`, `_BASE`: ldap.h defines them through casts the
    /// Swift importer does not read, and the protocol fixes their values (RFC 4511).
    var code: Int32 {
        switch self {
        case .sub: return 2
        case .one: return 1
        case .base: return 0
        }
    }
}
