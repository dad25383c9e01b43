public import AuthWire
public import AuthCore
public import NIOCore

/// `type: passwd-file`: a Dovecot-style passwd-file of hashed passwords, one file or one per
/// domain (`%d` in `path`).
public struct PasswdFileSettings: BackendSettings, Equatable {
    public var path: String
    /// Size of this backend's thread pool: the only threads that read the file or hash.
    public var threads: Int
    /// How the canonical identity is spelled as the user field. nil: `qualified`
    /// (`alice@example.com`) for one file, `bare` (`alice`) for a per-domain file, whose name
    /// already says the domain (Dovecot's `%u` and `%n`).
    public var identity: IdentityStyle?
    public var allowWeakSchemes: Bool
    /// Rewrite an entry in the default scheme after it verified with an older one.
    public var rehash: Bool
    /// Keep, per user, a keyed hash of the last password that verified against the unchanged
    /// entry, so repeats are answered without hashing (see `VerifiedPasswords`). Off: every
    /// check not answered by the credential cache hashes (a benchmark of the hash itself).
    public var rememberVerified: Bool
    /// How long a file must stay unchanged before it is parsed whole again after a change; until
    /// then each check finds its own entry by one pass over the file's bytes (see `WatchedFile`).
    public var rereadAfter: TimeAmount

    public init(
        path: String = "/etc/authmux/passwd", threads: Int = 2, identity: IdentityStyle? = nil, allowWeakSchemes: Bool = false,
        rehash: Bool = false, rememberVerified: Bool = true, rereadAfter: TimeAmount = .seconds(2)
    ) {
        self.rereadAfter = rereadAfter
        self.path = path
        self.threads = threads
        self.identity = identity
        self.allowWeakSchemes = allowWeakSchemes
        self.rehash = rehash
        self.rememberVerified = rememberVerified
    }

    public var type: String { "passwd-file" }
    public var usesClientAddress: Bool { false }

    public var perDomain: Bool { path.contains("%d") }
    public var effectiveIdentity: IdentityStyle { identity ?? (perDomain ? .bare : .qualified) }

    /// A per-domain path names no one file before a request says the realm.
    public var privilegeNeed: PrivilegeNeed { perDomain ? .none : PrivilegeNeed(readsFiles: [path]) }

    public var summary: String {
        var text = "passwd-file \(path)\(perDomain ? " (one file per realm)" : ""), user field \(effectiveIdentity.rawValue), \(threads) thread\(threads == 1 ? "" : "s")"
        text += allowWeakSchemes ? ", weak schemes allowed" : ", weak schemes refused"
        if rehash { text += ", rehash to \(HashingScheme.defaultScheme.rawValue)" }
        if !rememberVerified { text += ", every check hashed" }
        return text
    }

    public func lookup(for subject: CheckSubject) -> BackendLookup<PasswdFileLookup> {
        let user = effectiveIdentity.render(subject.identity)
        let file = filePath(forRealm: subject.identity.realm)
        let asked = ByteString(Array((file ?? "").utf8) + [0] + user.bytes)
        var shown = ShownText()
        shown.bytes(user.bytes)
        shown.literal(" in ")
        if let file {
            shown.text(file)
        } else {
            shown.literal("(no file for realm \"")
            shown.bytes(subject.identity.realm.bytes)
            shown.literal("\")")
        }
        return BackendLookup(lookup: PasswdFileLookup(path: file, user: user), asked: asked, shown: shown.bytes)
    }

    public func explain(_ subject: CheckSubject) -> String {
        let found = lookup(for: subject)
        guard let file = found.lookup.path else {
            return "no passwd-file: the realm \"\(subject.identity.realm.text)\" cannot name a file under \(path) (answered unknown user)"
        }
        return "passwd-file entry \"\(found.lookup.user.text)\" (user field, byte for byte) in \(file)"
    }

    /// The file for `realm`. A realm goes into a path only when it is a plain name: not empty,
    /// no `/`, not starting with `.` (so never `.` or `..`), so no request can make the backend
    /// open another file, and the files check-config lists are exactly the ones checks may open.
    public func filePath(forRealm realm: ByteString) -> String? {
        guard perDomain else { return path }
        guard !realm.isEmpty, !realm.bytes.contains(UInt8(ascii: "/")), !realm.bytes.contains(0),
              realm.bytes.first != UInt8(ascii: ".")
        else { return nil }
        return path.replacing("%d", with: realm.text)
    }
}

