public import AuthWire
public import AuthCore
public import Logging
import NIOCore
import NIOConcurrencyHelpers
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Checks passwords against a Dovecot-style passwd-file of hashes (one file, or one per realm).
///
/// Files are read and parsed on the backend's own pool and kept as immutable snapshots, watched
/// through inotify as the sasldb backend does (`WatchedFile`), so an edit is seen by the very
/// next request, which reads only its own entry until the file is parsed again.
/// Hash verification is CPU-heavy by design and runs only on the pool; the accept thread
/// answers at once only what needs no hashing: an unknown user, or a password that already
/// verified against the same unchanged entry (`VerifiedPasswords`).
public final class PasswdFileBackend: AuthBackend {
    public let name: String
    public let settings: PasswdFileSettings
    private let pool: NIOThreadPool
    private let logger: Logger
    private let verifier: PasswordVerifier
    private let verified = VerifiedPasswords()
    /// One source per file, created on the first check that finds the file.
    private let sources = NIOLockedValueBox<[String: PasswdFileSource]>([:])

    /// Each watched file costs an inotify instance (the kernel allows 128 per user by
    /// default), so a per-domain backend keeps at most this many; a check for yet another
    /// domain is answered unavailable, never from an unwatched copy.
    static let maximumSources = 64

    /// Whether its files are watched with inotify: false only in tests of the path without it.
    private let watched: Bool

    public convenience init(name: String, settings: PasswdFileSettings, logger: Logger) {
        self.init(name: name, settings: settings, logger: logger, watched: true)
    }

    /// - Parameter watched: false for tests of the path without inotify (see `WatchedFile`).
    package init(name: String, settings: PasswdFileSettings, logger: Logger, watched: Bool) {
        self.name = name
        self.settings = settings
        self.logger = logger
        self.watched = watched
        self.verifier = PasswordVerifier(library: SystemPasswordHashes(), allowWeak: settings.allowWeakSchemes)
        self.pool = NIOThreadPool(numberOfThreads: settings.threads)
        pool.start()
    }

    public func evaluate(_ lookup: PasswdFileLookup, password: Secret, then: @escaping @Sendable (BackendAnswer) -> Void) {
        guard lookup.path != nil else { return then(BackendAnswer(verdict: .unknownUser)) }
        if let answer = answerNow(lookup, password: password) { return then(answer) }
        pool.submit { state in
            guard case .active = state else {
                return then(BackendAnswer(verdict: .unavailable(reason: "passwd-file worker: thread pool stopped")))
            }
            let (verdict, rehash) = self.checkBlocking(lookup, password: password)
            then(BackendAnswer(verdict: verdict))
            // After the answer: the client never waits for the rewrite.
            rehash?()
        }
    }

    /// Unknown users and repeated good passwords, from a snapshot the watch proves current.
    public func answerNow(_ lookup: PasswdFileLookup, password: Secret) -> BackendAnswer? {
        guard let path = lookup.path else { return BackendAnswer(verdict: .unknownUser) }
        guard let source = sources.withLockedValue({ $0[path] }), let snapshot = source.unchangedSnapshot() else { return nil }
        let contents = snapshot.contents
        guard let entry = contents.entries[lookup.user] else { return BackendAnswer(verdict: .unknownUser) }
        guard contents.duplicates[lookup.user] == nil else { return nil }
        if settings.rememberVerified, verified.matches(path: path, user: lookup.user, field: entry.password, password: password) {
            return BackendAnswer(verdict: .accepted)
        }
        return nil
    }

    /// Whole parses of every file so far, for tests.
    var wholeReads: Int {
        sources.withLockedValue { Array($0.values) }.reduce(0) { $0 + $1.wholeReads }
    }

    /// The sum of every watched file's change count: any write to any of them moves it. nil
    /// when a file is not watched (no inotify), so answers are then not cached at all.
    public func storeGeneration() -> UInt64? {
        let all = sources.withLockedValue { Array($0.values) }
        var total: UInt64 = UInt64(all.count) << 40
        for source in all {
            guard let count = source.generation() else { return nil }
            total &+= UInt64(count)
        }
        return total
    }

    /// Runs on a pool thread: the verdict, and the rewrite to run after answering (`rehash`).
    func checkBlocking(_ lookup: PasswdFileLookup, password: Secret) -> (BackendVerdict, (@Sendable () -> Void)?) {
        guard let path = lookup.path else { return (.unknownUser, nil) }
        let source: PasswdFileSource
        switch self.source(for: path) {
        case .success(let found): source = found
        case .failure(let error): return (settings.perDomain && error.missing ? .unknownUser : .unavailable(reason: error.description), nil)
        }
        // The password against an entry: remembered from an earlier check, or hashed now.
        func verification(_ entry: PasswdFileEntry) -> (check: PasswordCheck, remembered: Bool) {
            if settings.rememberVerified, verified.matches(path: path, user: lookup.user, field: entry.password, password: password) {
                return (.match, true)
            }
            return (verifier.verify(password, against: StoredPassword(field: entry.password)), false)
        }
        // A point read asks whether the entry it found verifies before trusting it; that
        // verification is kept, so a right password is hashed once, not twice, and a read made
        // again because the file moved hashes again only if the entry itself changed.
        var checked: (field: [UInt8], check: PasswordCheck, remembered: Bool)?
        let found = source.find(lookup.user) { entry in
            if let checked, checked.field == entry.password { return checked.check == .match }
            let result = verification(entry)
            checked = (entry.password, result.check, result.remembered)
            return result.check == .match
        }
        let entry: PasswdFileEntry
        switch found {
        case .failure(let error):
            return (settings.perDomain && error.missing ? .unknownUser : .unavailable(reason: error.description), nil)
        case .success(.none):
            return (.unknownUser, nil)
        case .success(.duplicated(let lines)):
            return (.unavailable(reason: "user written on lines \(lines.map(String.init).joined(separator: " and ")) of \(path)"), nil)
        case .success(.entry(let found)):
            entry = found
        }
        let result = checked.flatMap { $0.field == entry.password ? (check: $0.check, remembered: $0.remembered) : nil } ?? verification(entry)
        if result.remembered { return (.accepted, nil) }
        let stored = StoredPassword(field: entry.password)
        let place = "\(path):\(entry.line)"
        switch result.check {
        case .match:
            if settings.rememberVerified { verified.remember(path: path, user: lookup.user, field: entry.password, password: password) }
            guard settings.rehash, !stored.scheme.isModern else { return (.accepted, nil) }
            return (.accepted, { self.rehash(path: path, user: lookup.user, verifiedField: entry.password, scheme: stored.scheme.name, password: password) })
        case .mismatch:
            return (.rejected(reason: "wrong password"), nil)
        case .corrupt(let reason):
            logger.warning("passwd-file entry cannot be checked", metadata: ["backend": "\(name)", "at": "\(place)", "reason": "\(reason)"])
            return (.unavailable(reason: "unusable entry at \(place): \(reason)"), nil)
        case .refused(let scheme):
            return (.unavailable(reason: "weak scheme \(scheme) at \(place) refused (allow_weak_schemes: false)"), nil)
        case .unsupported(let scheme):
            return (.unavailable(reason: "scheme \(scheme) at \(place) cannot be verified by authmux"), nil)
        }
    }

    /// The source for `path`, made on first use. A per-domain file that does not exist gets
    /// no source (and no inotify instance): any realm a client names would otherwise cost one.
    private func source(for path: String) -> Result<PasswdFileSource, PasswdFileError> {
        if let existing = sources.withLockedValue({ $0[path] }) { return .success(existing) }
        if settings.perDomain, FileStamp.of(path: path) == nil {
            return .failure(PasswdFileError(description: "\(path): \(String(cString: strerror(errno)))", missing: errno == ENOENT))
        }
        return sources.withLockedValue { sources in
            if let existing = sources[path] { return .success(existing) }
            guard sources.count < Self.maximumSources else {
                return .failure(PasswdFileError(description: "more than \(Self.maximumSources) per-domain files in use; \(path) not read"))
            }
            let made = PasswdFileSource(path: path, backend: name, rereadAfter: settings.rereadAfter, pool: pool, watched: watched, logger: logger)
            if !made.isWatched {
                logger.notice("inotify unavailable for a passwd-file; every check will stat it on the pool", metadata: ["path": "\(path)"])
            }
            sources[path] = made
            return .success(made)
        }
    }

    /// Rewrites the entry in the default scheme, under the same lock as `authmuxd user`, and
    /// only if the entry still holds the field that just verified: a `user passwd` that ran in
    /// between wins, and nothing else in the file changes.
    private func rehash(path: String, user: ByteString, verifiedField: [UInt8], scheme: String, password: Secret) {
        do {
            let entry = try PasswordHasher.hash(password, scheme: HashingScheme.defaultScheme)
            let changed = try PasswdFileEditor(path: path).update { lines in
                guard let index = lines.index(ofUser: user), lines.passwordField(at: index) == verifiedField else { return false }
                lines.setPasswordField(Array(entry.utf8), at: index)
                return true
            }
            if changed {
                // The new entry verifies with this password: no second hash on the next check.
                if settings.rememberVerified { verified.remember(path: path, user: user, field: Array(entry.utf8), password: password) }
                logger.notice("passwd-file entry rehashed", metadata: ["backend": "\(name)", "path": "\(path)", "user": "\(user.text)", "from": "\(scheme)", "to": "\(HashingScheme.defaultScheme.rawValue)"])
            }
        } catch {
            logger.warning("passwd-file rehash failed", metadata: ["backend": "\(name)", "path": "\(path)", "user": "\(user.text)", "error": "\(error)"])
        }
    }

    public func problems() async -> [String] {
        (try? await pool.runIfActive { self.problemsBlocking() }) ?? ["backend stopped"]
    }

    /// Users written twice stop the start: which line is meant cannot be guessed.
    public func refusals() async -> [ConfigError] {
        (try? await pool.runIfActive { self.refusalsBlocking() }) ?? []
    }

    private func problemsBlocking() -> [String] {
        let files = settings.perDomain ? PasswdFileDomains.existingFiles(template: settings.path) : [settings.path]
        if settings.perDomain && files.isEmpty {
            return ["no file matches \(settings.path) yet (every realm's users are unknown until one exists)"]
        }
        var problems: [String] = []
        for file in files {
            switch PasswdFileSource.readFile(file) {
            case .failure(let error):
                problems.append("\(error.description) (checks will answer \"temporarily unavailable\" until the file can be read)")
            case .success(let bytes):
                let contents = PasswdFileContents.parse(bytes)
                if contents.entries.isEmpty && contents.malformed.isEmpty {
                    problems.append("\(file) holds no users yet (add one with authmuxd user add --file \(file) USER)")
                }
                for problem in contents.malformed {
                    problems.append("\(file):\(problem.line): malformed line skipped: \(problem.reason)")
                }
                for entry in contents.entries.values.sorted(by: { $0.line < $1.line }) {
                    let scheme = StoredPassword(field: entry.password).scheme
                    if case .unsupported = scheme.method {
                        problems.append("\(file):\(entry.line): user \"\(entry.user.text)\": scheme \(scheme.name) cannot be verified by authmux")
                    } else if scheme.isWeak {
                        problems.append(settings.allowWeakSchemes
                            ? "\(file):\(entry.line): user \"\(entry.user.text)\": weak scheme \(scheme.name) accepted (allow_weak_schemes: true)"
                            : "\(file):\(entry.line): user \"\(entry.user.text)\": weak scheme \(scheme.name) refused (set allow_weak_schemes: true to accept it, or set a new password)")
                    }
                }
            }
        }
        return problems
    }

    private func refusalsBlocking() -> [ConfigError] {
        let files = settings.perDomain ? PasswdFileDomains.existingFiles(template: settings.path) : [settings.path]
        var refusals: [ConfigError] = []
        for file in files {
            guard case .success(let bytes) = PasswdFileSource.readFile(file) else { continue }
            let contents = PasswdFileContents.parse(bytes)
            for (user, lines) in contents.duplicates.sorted(by: { $0.value[0] < $1.value[0] }) {
                let others = lines.dropFirst().map(String.init).joined(separator: " and ")
                refusals.append(ConfigError(
                    file: file, line: lines[0], column: 1, keyPath: "",
                    message: "user \"\(user.text)\" is written on line \(lines[0]) and again on line \(others) (backend \(name)); keep one"))
            }
        }
        return refusals
    }

    public func shutdown() async {
        for source in sources.withLockedValue({ Array($0.values) }) { source.stop() }
        try? await pool.shutdownGracefully()
        sources.withLockedValue { $0.removeAll() }
        verified.removeAll()
    }
}
