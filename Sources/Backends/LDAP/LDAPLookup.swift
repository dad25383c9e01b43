import AuthWire
import AuthCore

/// What one check asks the directory, expanded from the templates on the thread that read the
/// request (cheap, no blocking) before the work moves to the backend's threads.
public struct LDAPLookup: Sendable {
    /// The search filter (bind), values escaped per RFC 4515.
    var filter: String
    var searchBase: String
    /// The user's DN for fastbind (the filter template expanded as a DN, RFC 4514).
    var userDN: String
    var groupDN: String?

    init(settings: LDAPSettings, identity: CanonicalIdentity, service: ByteString) {
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

    /// Everything the directory is asked, as bytes: the cache key's part.
    var asked: ByteString {
        var parts = [searchBase, filter, userDN]
        if let groupDN { parts.append(groupDN) }
        return ByteString(Array(parts.joined(separator: "\u{0}").utf8))
    }

    /// The same, folded for the throttle: directories match names case-insensitively (and
    /// `caseIgnoreMatch` folds more than ASCII), so `Alice`, `ALICE` and `alice` are one entry
    /// and must be one count. Folding here can only merge counts, never decide who a user is:
    /// the directory's own search does that.
    var account: ByteString {
        ByteString(Array([searchBase, filter, userDN].joined(separator: "\u{0}").lowercased().utf8))
    }

    var shown: String {
        userDN.isEmpty ? filter : userDN
    }
}
