public import AuthWire
public import AuthCore
public import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// `type: ldap`: an LDAP directory (OpenLDAP, Active Directory…), as saslauthd `-a ldap` uses
/// one, with failover across `servers`, timeouts and TLS.
public struct LDAPSettings: BackendSettings {
    /// URIs tried in order (`ldap://host:port/`, `ldaps://…`, `ldapi://…`).
    public var servers: [String] = []
    public var authMethod: LDAPAuthMethod = .bind
    /// Where the user search starts (bind); may hold tokens, escaped as DN values.
    public var searchBase: LDAPTemplate?
    public var scope: LDAPScope = .sub
    /// The search filter (bind) or the user's DN (fastbind). saslauthd's default.
    public var filter: LDAPTemplate = try! LDAPTemplate("(uid=%u)")
    /// Who searches: nil searches anonymously.
    public var bindDN: String?
    public var bindPassword: Secret?
    /// The longest a TCP (and TLS) connection to one server may take before the next is tried.
    public var timeout: TimeAmount = .seconds(5)
    /// The longest one directory operation (bind, search, compare, StartTLS) may take.
    public var searchTimeout: TimeAmount = .seconds(5)
    public var startTLS = false
    public var tlsCAFile: String?
    public var tlsCertFile: String?
    public var tlsKeyFile: String?
    /// Refuse a server whose certificate does not chain to `tls_ca_file` (or the system's
    /// trust store) or does not name the host in the URI.
    public var tlsVerify = true
    /// Size of this backend's thread pool, and so of its connection pool: the only threads that
    /// call libldap, each with at most one pooled pair of connections. A check mostly waits for
    /// the directory's two answers, so more threads than PAM's 4 pay: at 16 clients on a
    /// two-core host with slapd beside authmux, 8 threads answered half as many checks again as
    /// 4, and 16 another 5 % more than 8 (with every check in flight at once, slapd spends less
    /// per check), at a higher p99 (8 ms against 5).
    public var threads = 16
    /// The user must be a member of this group entry (tokens allowed, escaped as DN values).
    public var groupDN: LDAPTemplate?
    /// The group attribute compared: `uniqueMember`/`member` hold DNs, `memberUid` holds uids
    /// (compared with the `uid` of the entry the search found; needs `auth_method: bind`).
    public var groupAttribute = "uniqueMember"
    /// Remember the DN each search found (`dn_cache:`), so a check is one bind; nil: every
    /// check searches.
    public var dnCache: LDAPDNCacheSettings?
    /// `%r` (and `%d`, `%1`-`%9`) for checks that carry no realm; saslauthd's
    /// `ldap_default_realm`.
    public var defaultRealm: ByteString?
    /// The saslauthd.conf these settings were read from, if any.
    public var importedFrom: String?
    /// saslauthd.conf keys that were read but have no counterpart here, for the start-up warning.
    public var unsupportedImportKeys: [String] = []

    public init() {}

    public var type: String { "ldap" }
    public var usesClientAddress: Bool { false }

    /// libldap opens the TLS files for every new connection, and a reload re-reads the imported
    /// saslauthd.conf: all after `run_as` has given up root.
    public var privilegeNeed: PrivilegeNeed {
        PrivilegeNeed(readsFiles: [tlsCAFile, tlsCertFile, tlsKeyFile, importedFrom].compactMap { $0 })
    }

    /// The `ldap://` servers a simple bind would send passwords to in clear text over a network:
    /// without `start_tls`, and not on this host. `ldapi://` and loopback addresses never leave
    /// the host, and neither does libldap's default host (`ldap:///` connects to localhost).
    public var clearTextServers: [String] {
        guard !startTLS else { return [] }
        return servers.filter { uri in
            uri.lowercased().hasPrefix("ldap://") && !Self.isLoopback(host: Self.host(of: uri))
        }
    }

    /// The host of an `ldap://` URI: what lies between the scheme and the port or the path,
    /// without the brackets of an IPv6 address.
    static func host(of uri: String) -> String {
        let hostPort = uri.dropFirst("ldap://".count).prefix { $0 != "/" && $0 != "?" }
        if hostPort.hasPrefix("[") { return String(hostPort.dropFirst().prefix { $0 != "]" }) }
        return String(hostPort.prefix { $0 != ":" })
    }

    package static func isLoopback(host: String) -> Bool {
        let name = host.lowercased()
        if name.isEmpty || name == "localhost" || name == "localhost." { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, name, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, name, &v6) == 1 else { return false }
        let bytes = withUnsafeBytes(of: v6) { Array($0) }
        // ::1, or an IPv4-mapped loopback address (::ffff:127.x.y.z).
        if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
        return bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff && bytes[12] == 127
    }

    /// `memberUid` groups list user names; every other attribute is compared with the DN.
    public var groupHoldsUserNames: Bool { groupAttribute.lowercased() == "memberuid" }

    public var summary: String {
        var parts = ["LDAP \(servers.joined(separator: " "))", "auth_method \(authMethod.rawValue)"]
        switch authMethod {
        case .bind:
            parts.append("search \(searchBase?.text ?? "(no base)") scope \(scope.rawValue) filter \(filter.text)")
            parts.append(bindDN.map { "searching as \($0)" } ?? "searching anonymously")
        case .fastbind:
            parts.append("DN \(filter.text)")
        }
        if let groupDN { parts.append("group \(groupDN.text) (\(groupAttribute))") }
        if let dnCache { parts.append("DN cache \(ConfigNode.format(dnCache.ttl)), \(dnCache.maxEntries) entries") }
        parts.append("timeout \(ConfigNode.format(timeout)), search_timeout \(ConfigNode.format(searchTimeout))")
        let usesTLS = startTLS || servers.contains { $0.lowercased().hasPrefix("ldaps://") }
        if usesTLS {
            parts.append((startTLS ? "StartTLS" : "TLS") + (tlsVerify ? " verified" : " NOT verified") + (tlsCAFile.map { " against \($0)" } ?? ""))
        }
        if let defaultRealm { parts.append("default realm \(defaultRealm.text)") }
        parts.append("\(threads) thread\(threads == 1 ? "" : "s")")
        if let importedFrom { parts.append("imported from \(importedFrom)") }
        return parts.joined(separator: ", ")
    }

    /// The filter, base (or DN) and group expanded for this check; see `LDAPLookup`.
    public func lookup(for subject: CheckSubject) -> BackendLookup<LDAPLookup> {
        let lookup = LDAPLookup(settings: self, identity: subject.identity, service: subject.service)
        return BackendLookup(lookup: lookup, asked: lookup.asked, account: lookup.account, shown: Array(lookup.shown.utf8))
    }

    public func explain(_ subject: CheckSubject) -> String {
        let lookup = LDAPLookup(settings: self, identity: subject.identity, service: subject.service)
        var text: String
        switch authMethod {
        case .bind:
            text = "LDAP search base \"\(lookup.searchBase)\" scope \(scope.rawValue) filter \"\(lookup.filter)\" "
                + (bindDN.map { "as \($0)" } ?? "anonymously") + ", then a bind as the one DN found"
        case .fastbind:
            text = "LDAP bind as \"\(lookup.userDN)\""
        }
        if let group = lookup.groupDN {
            let value = groupHoldsUserNames ? "the uid of the entry found" : "the user's DN"
            text += "; then \(groupAttribute) of \"\(group)\" must hold \(value)"
        }
        return text + " (servers: \(servers.joined(separator: " ")))"
    }
}
