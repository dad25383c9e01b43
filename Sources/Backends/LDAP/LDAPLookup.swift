import AuthCore

/// What one check asks the directory, expanded from the templates on the event loop (cheap,
/// no blocking) before the work moves to the backend's threads.
struct LDAPLookup: Sendable {
    /// The search filter (bind), values escaped per RFC 4515.
    var filter: String
    var searchBase: String
    /// The user's DN for fastbind (the filter template expanded as a DN, RFC 4514).
    var userDN: String
    var groupDN: String?

    init(settings: LDAPSettings, identity: CanonicalIdentity, service: String) {
        let realm = settings.defaultRealm
        switch settings.authMethod {
        case .bind:
            filter = settings.filter.expand(identity: identity, service: service, defaultRealm: realm, context: .filter)
            searchBase = settings.searchBase?.expand(identity: identity, service: service, defaultRealm: realm, context: .dn) ?? ""
            userDN = ""
        case .fastbind:
            filter = ""
            searchBase = ""
            userDN = settings.filter.expand(identity: identity, service: service, defaultRealm: realm, context: .dn)
        }
        groupDN = settings.groupDN?.expand(identity: identity, service: service, defaultRealm: realm, context: .dn)
    }
}
