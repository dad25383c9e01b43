public import AuthWire
public import AuthCore
public import NIOCore

/// `type: sasldb`: a Berkeley DB file written by Cyrus `saslpasswd2`.
public struct SASLDBSettings: BackendSettings, Equatable {
    public var path: String
    /// Size of this backend's thread pool (the only threads that touch the file).
    public var threads: Int
    /// Realm looked up when the canonical identity has none. saslpasswd2 files users under the
    /// host's fully qualified name when `-u` is not given, so that is the default here too: nil
    /// until the backend starts, because finding that name asks the resolver, which may block,
    /// and decoding a configuration (at every reload, in check-config) must not.
    public var emptyRealm: ByteString?
    /// How long the file must stay unchanged before it is read whole again after a change;
    /// until then checks look their one entry up in the file (`WatchedFile`). Shorter: back to
    /// the accept-thread path sooner, at the price of a whole read (CPU, and about a second per
    /// million users) for every burst of changes that pauses this long.
    public var rereadAfter: TimeAmount

    public init(path: String = "/etc/sasldb2", threads: Int = 2, emptyRealm: ByteString? = nil, rereadAfter: TimeAmount = .seconds(2)) {
        self.path = path
        self.threads = threads
        self.emptyRealm = emptyRealm
        self.rereadAfter = rereadAfter
    }

    public var type: String { "sasldb" }
    public var usesClientAddress: Bool { false }
    /// The file is re-read whenever it changes, so the account authmuxd runs as must be able
    /// to read it; nothing else needs root.
    public var privilegeNeed: PrivilegeNeed { PrivilegeNeed(readsFiles: [path]) }

    public var summary: String {
        "sasldb file \(path), \(threads) thread\(threads == 1 ? "" : "s"), empty realm looked up as "
            + (emptyRealm.map { "\"\($0.text)\"" } ?? "the host's name") + ", read whole again \(ConfigNode.format(rereadAfter)) after the last change"
    }

    /// The entry `user NUL realm`: the canonical user and realm, or `empty_realm` for a check
    /// without a realm. sasldb compares bytes, so the account is the key itself.
    public func lookup(for subject: CheckSubject) -> BackendLookup<SASLDBKey> {
        let realm = subject.identity.realm.isEmpty ? resolvedEmptyRealm : subject.identity.realm
        let key = SASLDBKey(user: subject.identity.user, realm: realm)
        var shown = ShownText()
        shown.bytes(subject.identity.user.bytes)
        shown.literal(" realm ")
        shown.bytes(realm.bytes)
        return BackendLookup(lookup: key, asked: key.bytes, shown: shown.bytes)
    }

    public func explain(_ subject: CheckSubject) -> String {
        let realm = subject.identity.realm.isEmpty ? resolvedEmptyRealm : subject.identity.realm
        let user = subject.identity.user.text
        return "sasldb entry user \"\(user)\" realm \"\(realm.text)\" (key \(user)\\0\(realm.text)\\0userPassword) in \(path)"
    }

    /// `empty_realm`, or the host's name when none was set. A started backend's settings have it
    /// resolved already (`SASLDBBackendKind.makeBackend`); only `explain` gets here unresolved.
    var resolvedEmptyRealm: ByteString {
        emptyRealm ?? ByteString(HostName.fullyQualified())
    }
}
