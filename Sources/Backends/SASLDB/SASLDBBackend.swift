public import AuthWire
public import AuthCore
public import Logging
import NIOCore
import NIOConcurrencyHelpers
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Checks passwords against a Cyrus sasldb file.
///
/// The file is read whole into an immutable snapshot on the backend's own thread pool. A check
/// is answered from the snapshot on the caller's thread (an accept thread) when the inotify watch proves the
/// file unchanged (a non-blocking read of the watch's queue: no `stat`, no libdb, no thread
/// hop). Otherwise — a change is pending, or inotify is unavailable — the check goes to the
/// pool, which `stat`s the file and re-reads it when needed. Either way a change made with
/// `saslpasswd2` is seen by the very next request, without a restart.
public final class SASLDBBackend: AuthBackend {
    public let name: String
    public let settings: SASLDBSettings
    /// Checks running on this backend\'s threads, for metrics.
    private let activity = BackendActivity()
    private var sasldb: SASLDBSettings { settings }
    private let pool: NIOThreadPool
    private let logger: Logger
    /// The current snapshot; replaced as a whole, never mutated.
    private let current = NIOLockedValueBox<SASLDBSnapshot?>(nil)
    /// Serializes re-reads so a burst of checks after a change reads the file once.
    private let reloadLock = NIOLock()
    /// nil when inotify cannot be used; every check then takes the pool path.
    private let watch: FileChangeWatch?

    public init(name: String, settings: SASLDBSettings, logger: Logger) {
        self.name = name
        self.settings = settings
        self.logger = logger
        self.pool = NIOThreadPool(numberOfThreads: settings.threads)
        self.watch = FileChangeWatch(path: settings.path)
        pool.start()
        if watch == nil {
            logger.notice("inotify unavailable for the sasldb file; every check will stat it on the pool", metadata: ["path": "\(settings.path)"])
        }
    }

    public func evaluate(_ lookup: SASLDBKey, password: Secret, then: @escaping @Sendable (BackendAnswer) -> Void) {
        if let answer = answerNow(lookup, password: password) { return then(answer) }
        pool.answer(worker: "sasldb worker", activity: activity, then: then) { BackendAnswer(verdict: self.checkBlocking(lookup, password: password)) }
    }

    /// Answers from the snapshot while the inotify watch proves the file unchanged.
    public func answerNow(_ lookup: SASLDBKey, password: Secret) -> BackendAnswer? {
        guard let watch, let snapshot = current.withLockedValue({ $0 }), snapshot.watchCount == watch.poll() else { return nil }
        return BackendAnswer(verdict: verdict(for: lookup, password: password, in: snapshot))
    }

    /// The inotify watch's change count: every write to the file (or its replacement) moves it,
    /// so cached answers from the old file are dropped. Without inotify, proving the file
    /// unchanged would take a `stat` on the caller's thread, so answers are not cached at all.
    public func storeGeneration() -> UInt64? {
        watch.map { UInt64($0.poll()) }
    }

    /// Runs on a pool thread.
    func checkBlocking(_ lookup: SASLDBKey, password: Secret) -> BackendVerdict {
        switch freshSnapshot() {
        case .success(let snapshot): return verdict(for: lookup, password: password, in: snapshot)
        case .failure(let error): return .unavailable(reason: error.description)
        }
    }

    private func verdict(for lookup: SASLDBKey, password: Secret, in snapshot: SASLDBSnapshot) -> BackendVerdict {
        guard let stored = snapshot.password(for: lookup) else { return .unknownUser }
        let matches = password.withUnsafeBytes { stored.constantTimeEquals($0) }
        return matches ? .accepted : .rejected(reason: "wrong password")
    }

    /// The snapshot matching the file as it is now, re-reading it if needed.
    func freshSnapshot() -> Result<SASLDBSnapshot, SASLDBError> {
        guard let stamp = FileStamp.of(path: sasldb.path) else {
            let reason = String(cString: strerror(errno))
            return .failure(SASLDBError(description: "\(sasldb.path): \(reason)"))
        }
        if let snapshot = current.withLockedValue({ $0 }), isCurrent(snapshot, stamp: stamp) {
            return .success(snapshot)
        }
        return reloadLock.withLock {
            // Another thread may have re-read the file while this one waited.
            if let snapshot = current.withLockedValue({ $0 }), isCurrent(snapshot, stamp: stamp) {
                return .success(snapshot)
            }
            return reload()
        }
    }

    /// With inotify, an unchanged event count is exact; without it, the stamp must match and be
    /// old enough that a same-tick write cannot hide behind it.
    private func isCurrent(_ snapshot: SASLDBSnapshot, stamp: FileStamp) -> Bool {
        guard snapshot.stamp == stamp else { return false }
        if let watch { return snapshot.watchCount == watch.poll() }
        return snapshot.isSettled
    }

    /// Reads the file; if it changed while being read (saslpasswd2 writing at that moment),
    /// reads it again, so a half-written state is never served.
    private func reload() -> Result<SASLDBSnapshot, SASLDBError> {
        var lastError = SASLDBError(description: "\(sasldb.path): changed on every read")
        for _ in 0..<5 {
            // Count the changes before reading: any write from here on moves the count again.
            let watchCount = watch?.poll() ?? 0
            watch?.watchFile()
            let started = Self.now()
            guard let before = FileStamp.of(path: sasldb.path) else {
                current.withLockedValue { $0 = nil }
                return .failure(SASLDBError(description: "\(sasldb.path): \(String(cString: strerror(errno)))"))
            }
            do {
                let entries = try BerkeleyDBReader.readPasswords(path: sasldb.path)
                guard FileStamp.of(path: sasldb.path) == before else { continue }
                let snapshot = SASLDBSnapshot(entries: entries, stamp: before, readStarted: started, watchCount: watchCount)
                let previous = current.withLockedValue { old in
                    let previous = old
                    old = snapshot
                    return previous
                }
                if previous?.stamp != before {
                    logger.info("sasldb file read", metadata: ["backend": "\(name)", "path": "\(sasldb.path)", "users": "\(entries.count)"])
                }
                return .success(snapshot)
            } catch {
                lastError = error
            }
        }
        // Never answer from an old snapshot once the file is known to have changed: a deleted
        // user's old password must not keep working.
        current.withLockedValue { $0 = nil }
        logger.warning("sasldb file unreadable", metadata: ["backend": "\(name)", "error": "\(lastError)"])
        return .failure(lastError)
    }

    public func problems() async -> [String] {
        let result = try? await pool.runIfActive { self.freshSnapshot() }
        switch result {
        case .success(let snapshot):
            return snapshot.entries.isEmpty ? ["\(sasldb.path) holds no users yet (add one with saslpasswd2 -f \(sasldb.path) -c USER)"] : []
        case .failure(let error):
            return ["\(error.description) (checks will answer \"temporarily unavailable\" until the file can be read)"]
        case nil:
            return ["backend stopped"]
        }
    }

    public func shutdown() async {
        try? await pool.shutdownGracefully()
        current.withLockedValue { $0 = nil }
    }

    static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }

    public func status() -> BackendStatus {
        BackendStatus(running: activity.count)
    }
}
