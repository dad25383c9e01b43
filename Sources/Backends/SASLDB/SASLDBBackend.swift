public import AuthCore
public import Logging
public import NIOCore
import NIOConcurrencyHelpers
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Checks passwords against a Cyrus sasldb file.
///
/// The file is read whole into an immutable snapshot on the backend's own thread pool; every
/// check `stat`s the file (on the pool) and re-reads it when its stamp moved, so a change made
/// with `saslpasswd2` is seen by the very next request without a restart.
public final class SASLDBBackend: AuthBackend {
    public let name: String
    public let sasldb: SASLDBSettings
    public var settings: any BackendSettings { sasldb }
    private let pool: NIOThreadPool
    private let logger: Logger
    /// The current snapshot; replaced as a whole, never mutated.
    private let current = NIOLockedValueBox<SASLDBSnapshot?>(nil)
    /// Serializes re-reads so a burst of checks after a change reads the file once.
    private let reloadLock = NIOLock()

    public init(name: String, settings: SASLDBSettings, logger: Logger) {
        self.name = name
        self.sasldb = settings
        self.logger = logger
        self.pool = NIOThreadPool(numberOfThreads: settings.threads)
        pool.start()
    }

    public func check(_ request: BackendRequest, eventLoop: any EventLoop) -> EventLoopFuture<BackendVerdict> {
        pool.runIfActive(eventLoop: eventLoop) { self.checkBlocking(request) }
            .recover { error in .unavailable(reason: "sasldb worker: \(error)") }
    }

    /// Runs on a pool thread.
    func checkBlocking(_ request: BackendRequest) -> BackendVerdict {
        let snapshot: SASLDBSnapshot
        switch freshSnapshot() {
        case .success(let value): snapshot = value
        case .failure(let error): return .unavailable(reason: error.description)
        }
        let realm = request.identity.realm.isEmpty ? sasldb.emptyRealm : request.identity.realm
        guard let stored = snapshot.password(user: request.identity.user, realm: realm) else { return .unknownUser }
        let matches = request.password.withUnsafeBytes { stored.constantTimeEquals($0) }
        return matches ? .accepted : .rejected(reason: "wrong password")
    }

    /// The snapshot matching the file as it is now, re-reading it if needed.
    func freshSnapshot() -> Result<SASLDBSnapshot, SASLDBError> {
        guard let stamp = FileStamp.of(path: sasldb.path) else {
            let reason = String(cString: strerror(errno))
            return .failure(SASLDBError(description: "\(sasldb.path): \(reason)"))
        }
        if let snapshot = current.withLockedValue({ $0 }), snapshot.stamp == stamp, snapshot.isSettled {
            return .success(snapshot)
        }
        return reloadLock.withLock {
            // Another thread may have re-read the file while this one waited.
            if let snapshot = current.withLockedValue({ $0 }), snapshot.stamp == stamp, snapshot.isSettled {
                return .success(snapshot)
            }
            return reload()
        }
    }

    /// Reads the file; if it changed while being read (saslpasswd2 writing at that moment),
    /// reads it again, so a half-written state is never served.
    private func reload() -> Result<SASLDBSnapshot, SASLDBError> {
        var lastError = SASLDBError(description: "\(sasldb.path): changed on every read")
        for _ in 0..<5 {
            let started = Self.now()
            guard let before = FileStamp.of(path: sasldb.path) else {
                current.withLockedValue { $0 = nil }
                return .failure(SASLDBError(description: "\(sasldb.path): \(String(cString: strerror(errno)))"))
            }
            do {
                let entries = try BerkeleyDBReader.readPasswords(path: sasldb.path)
                guard FileStamp.of(path: sasldb.path) == before else { continue }
                let snapshot = SASLDBSnapshot(entries: entries, stamp: before, readStarted: started)
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
}
