public import AuthCore

/// `type: sasldb`: a Berkeley DB file written by Cyrus `saslpasswd2`.
public struct SASLDBSettings: BackendSettings, Equatable {
    public var path: String
    /// Size of this backend's thread pool (the only threads that touch the file).
    public var threads: Int
    /// Realm looked up when the canonical identity has none. saslpasswd2 files users under the
    /// host's fully qualified name when `-u` is not given, so that is the default here too.
    public var emptyRealm: String

    public init(path: String = "/etc/sasldb2", threads: Int = 2, emptyRealm: String = HostName.fullyQualified()) {
        self.path = path
        self.threads = threads
        self.emptyRealm = emptyRealm
    }

    public var type: String { "sasldb" }
    public var usesClientAddress: Bool { false }
    /// The file is re-read whenever it changes, so the account authmuxd runs as must be able
    /// to read it; nothing else needs root.
    public var privilegeNeed: PrivilegeNeed { PrivilegeNeed(readsFiles: [path]) }

    public var summary: String {
        "sasldb file \(path), \(threads) thread\(threads == 1 ? "" : "s"), empty realm looked up as \"\(emptyRealm)\""
    }

    public func describeLookup(identity: CanonicalIdentity, service: String) -> String {
        let realm = identity.realm.isEmpty ? emptyRealm : identity.realm
        return "sasldb entry user \"\(identity.user)\" realm \"\(realm)\" (key \(identity.user)\\0\(realm)\\0userPassword) in \(path)"
    }
}
