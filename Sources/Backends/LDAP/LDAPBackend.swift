public import AuthWire
public import AuthCore
public import Logging
import NIOCore
import CLDAP
import Foundation
import NIOPosix

/// Checks passwords against an LDAP directory, as saslauthd `-a ldap` does, without its
/// hangs: every libldap call runs on this backend's own bounded thread pool with a connect and
/// an operation timeout, a failed server hands over to the next, and pooled connections never
/// carry one user's identity into another check's search.
public final class LDAPBackend: AuthBackend {
    public let name: String
    public let settings: LDAPSettings
    /// Checks running on this backend\'s threads, for metrics.
    private let activity = BackendActivity()
    private var ldap: LDAPSettings { settings }
    private let threadPool: NIOThreadPool
    private let connections: LDAPConnectionPool
    private let logger: Logger
    /// DNs found by searches (`dn_cache:`), nil when every check searches.
    let dnCache: LDAPDNCache?

    /// libldap sets up its global state (defaults, ldap.conf) on first use; doing that once,
    /// here, keeps the first checks on several pool threads from racing through it.
    private static let libraryReady: Bool = {
        var version: Int32 = 0
        return ldap_get_option(nil, LDAP_OPT_PROTOCOL_VERSION, &version) == LDAP_OPT_SUCCESS
    }()

    public init(name: String, settings: LDAPSettings, logger: Logger) {
        _ = Self.libraryReady
        self.name = name
        self.settings = settings
        self.logger = logger
        self.connections = LDAPConnectionPool(settings: settings, backendName: name, logger: logger)
        self.dnCache = settings.authMethod == .bind ? settings.dnCache.map(LDAPDNCache.init) : nil
        self.threadPool = NIOThreadPool(numberOfThreads: settings.threads)
        threadPool.start()
    }

    public func evaluate(_ lookup: LDAPLookup, password: Secret, then: @escaping @Sendable (BackendAnswer) -> Void) {
        // A simple bind with an empty password is an unauthenticated bind that servers accept
        // (RFC 4513 5.1.2): it must never reach the directory.
        guard !password.isEmpty else {
            return then(BackendAnswer(verdict: .rejected(reason: "empty password (never sent to the directory)")))
        }
        threadPool.answer(worker: "LDAP worker", activity: activity, then: then) {
            BackendAnswer(verdict: self.verify(lookup, password: password))
        }
    }

    /// The whole check, on one of the backend's threads.
    ///
    /// With a `dn_cache`, a DN the search found before for the same question is bound as
    /// directly: one directory operation for a right password. A bind with a remembered DN that
    /// fails (a wrong password, or an entry moved, renamed or deleted since) forgets it and
    /// searches once more: the same entry means the password was wrong (answered without a
    /// second bind, so a lockout policy counts one failure), another entry is bound as, none
    /// is an unknown user, two are ambiguous as always. The bind always goes to the directory,
    /// so a changed password counts at once; group membership is always asked, never
    /// remembered, so a removed member is refused at once.
    private func verify(_ lookup: LDAPLookup, password: Secret) -> BackendVerdict {
        let dn: String
        // What a memberUid group must list: the found entry's uid, fetched by the search itself.
        // The login is not it whenever the filter matches another attribute (mail, cn…).
        let uid: [UInt8]?
        let uidAttribute = lookup.groupDN != nil && ldap.groupHoldsUserNames ? "uid" : nil
        let cacheKey = dnCache.map { _ in LDAPDNCache.key(for: lookup) }
        switch ldap.authMethod {
        case .fastbind:
            // The configuration refuses memberUid with fastbind: no search reads the uid.
            dn = lookup.userDN
            uid = nil
        case .bind:
            if let dnCache, let cacheKey, let remembered = dnCache.remembered(cacheKey) {
                switch bindUser(dn: remembered.dn, password: password) {
                case .failure(let failure):
                    return .unavailable(reason: "bind: \(failure)")
                case .success(let code) where code == LDAP_SUCCESS:
                    return groupVerdict(lookup, dn: remembered.dn, uid: remembered.uid)
                case .success(let code):
                    dnCache.forget(cacheKey)
                    switch search(lookup, uidAttribute: uidAttribute) {
                    case .answered(let verdict):
                        return verdict
                    // Compared as bytes: String equality would call two canonically
                    // equivalent DNs the same entry.
                    case .found(let foundDN, _) where foundDN.utf8.elementsEqual(remembered.dn.utf8):
                        return Self.verdict(forUserBind: code, method: .bind)
                    case .found(let foundDN, let foundUID):
                        dn = foundDN
                        uid = foundUID
                    }
                }
            } else {
                switch search(lookup, uidAttribute: uidAttribute) {
                case .answered(let verdict):
                    return verdict
                case .found(let foundDN, let foundUID):
                    dn = foundDN
                    uid = foundUID
                }
            }
        }
        switch bindUser(dn: dn, password: password) {
        case .failure(let failure):
            return .unavailable(reason: "bind: \(failure)")
        case .success(let code) where code == LDAP_SUCCESS:
            if let dnCache, let cacheKey { dnCache.remember(cacheKey, dn: dn, uid: uid) }
        case .success(let code):
            return Self.verdict(forUserBind: code, method: ldap.authMethod)
        }
        return groupVerdict(lookup, dn: dn, uid: uid)
    }

    /// What the search for a check's entry decided: the one entry (and its uid when a memberUid
    /// group needs it), or the answer already (no entry, two entries, a server failure).
    private enum SearchOutcome {
        case found(dn: String, uid: [UInt8]?)
        case answered(BackendVerdict)
    }

    private func search(_ lookup: LDAPLookup, uidAttribute: String?) -> SearchOutcome {
        let found = connections.run(.search) { connection in
            connection.searchDNs(
                base: lookup.searchBase, scope: self.ldap.scope, filter: lookup.filter, attribute: uidAttribute, limit: 2,
                timeout: self.ldap.searchTimeout)
        }
        switch found {
        case .failure(let failure):
            return .answered(.unavailable(reason: "search: \(failure)"))
        case .success(let entries) where entries.isEmpty:
            return .answered(.unknownUser)
        case .success(let entries) where entries.count > 1:
            logger.warning("LDAP filter is ambiguous: more than one entry matches; check refused", metadata: [
                "backend": "\(name)", "filter": "\(lookup.filter)", "base": "\(lookup.searchBase)",
                "entries": "\(entries.prefix(2).map(\.dn).joined(separator: " | "))",
            ])
            return .answered(.rejected(reason: "ambiguous: more than one entry matches \(lookup.filter)"))
        case .success(let entries):
            let dn = entries[0].dn
            guard uidAttribute != nil else { return .found(dn: dn, uid: nil) }
            guard entries[0].values.count == 1 else {
                let count = entries[0].values.count
                return .answered(.rejected(reason: "entry \(dn) has \(count == 0 ? "no uid" : "\(count) uid values"): \(ldap.groupAttribute) membership cannot be decided"))
            }
            return .found(dn: dn, uid: entries[0].values[0])
        }
    }

    private func bindUser(dn: String, password: Secret) -> Result<Int32, LDAPFailure> {
        connections.run(.userBind) { connection in connection.bind(dn: dn, password: password) }
    }

    /// After a successful bind: accepted, unless a group is required and does not list the user.
    private func groupVerdict(_ lookup: LDAPLookup, dn: String, uid: [UInt8]?) -> BackendVerdict {
        guard let group = lookup.groupDN else { return .accepted }
        let value = uid ?? Array(dn.utf8)
        let member = connections.run(.search) { connection in
            connection.compare(dn: group, attribute: self.ldap.groupAttribute, value: value)
        }
        switch member {
        case .success(true): return .accepted
        case .success(false): return .rejected(reason: "not a member of \(group) (\(ldap.groupAttribute))")
        case .failure(let failure): return .unavailable(reason: "group check: \(failure)")
        }
    }

    /// A user bind the server answered with something other than success.
    static func verdict(forUserBind code: Int32, method: LDAPAuthMethod) -> BackendVerdict {
        let text = LDAPFailure.text(of: code)
        switch code {
        case LDAP_INVALID_CREDENTIALS where method == .fastbind:
            // Without a search the server's answer cannot tell a wrong password from a DN that
            // does not exist: both are invalid credentials.
            return .rejected(reason: "bind: \(text) (wrong password or no such DN)")
        case LDAP_INVALID_CREDENTIALS, LDAP_INAPPROPRIATE_AUTH, LDAP_INSUFFICIENT_ACCESS, LDAP_UNWILLING_TO_PERFORM,
             LDAP_CONSTRAINT_VIOLATION, LDAP_INVALID_DN_SYNTAX, LDAP_NO_SUCH_OBJECT:
            // Wrong password, an entry without a password, a locked or disabled account (AD
            // answers unwilling to perform, ppolicy a constraint violation).
            return .rejected(reason: "bind: \(text)")
        default:
            return .unavailable(reason: "bind: \(text)")
        }
    }

    public func problems() async -> [String] {
        var problems: [String] = []
        if !ldap.unsupportedImportKeys.isEmpty, let file = ldap.importedFrom {
            problems.append("\(file): ignored keys authmux does not support: \(ldap.unsupportedImportKeys.joined(separator: ", "))")
        }
        for path in [ldap.tlsCAFile, ldap.tlsCertFile, ldap.tlsKeyFile].compactMap({ $0 })
        where !FileManager.default.isReadableFile(atPath: path) {
            problems.append("\(path) is not readable: TLS connections will fail")
        }
        for server in ldap.clearTextServers {
            problems.append("\(server) without start_tls: passwords cross the network in clear text (set start_tls: true, or use ldaps://)")
        }
        if !ldap.tlsVerify {
            problems.append("tls_verify is false: any server certificate is accepted, and with it anyone able to intercept the connection")
        }
        return problems
    }

    public func shutdown() async {
        try? await threadPool.shutdownGracefully()
        connections.closeAll()
    }

    /// Threads at work, and each server up unless it failed within its hold-down period (the
    /// failover's own view: a server marked failed is tried last).
    public func status() -> BackendStatus {
        let servers = connections.servers
        return BackendStatus(
            running: activity.count,
            servers: servers.uris.indices.map { BackendStatus.Server(uri: servers.uris[$0], up: !servers.isFailed($0)) })
    }
}
