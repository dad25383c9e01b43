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
/// The file is kept in memory whole (`SASLDBTable`) and answered from on the caller's thread (an
/// accept thread) while the inotify watch proves it unchanged: a non-blocking read of the
/// watch's queue, no `stat`, no libdb, no thread hop. Once saslpasswd2 changes it, checks go to
/// the pool and look their one entry up in the file through libdb, and the file is read whole
/// again in the background once it has been quiet for `reread_after` (see `WatchedFile`). So a
/// change is seen by the very next request, and what that request pays does not grow with the
/// number of users. Checks that wait for the pool together are looked up together
/// (`PoolBatches`): one proof that the file held still serves the whole batch.
public final class SASLDBBackend: AuthBackend {
    public let name: String
    public let settings: SASLDBSettings
    /// Checks running on this backend\'s threads, for metrics.
    private let activity = BackendActivity()
    private var sasldb: SASLDBSettings { settings }
    private let pool: NIOThreadPool
    private let logger: Logger
    private let file: WatchedFile<SASLDBSnapshot, SASLDBError>
    private let points: SASLDBPointReader
    /// Checks waiting for the pool while a change is pending. Set once, at the end of `init`
    /// (its closure needs `self`).
    nonisolated(unsafe) private var batches: PoolBatches<SASLDBRequest>!

    public convenience init(name: String, settings: SASLDBSettings, logger: Logger) {
        self.init(name: name, settings: settings, logger: logger, watched: true)
    }

    /// - Parameter watched: false for tests of the path without inotify (see `WatchedFile`).
    package init(name: String, settings: SASLDBSettings, logger: Logger, watched: Bool) {
        self.name = name
        self.settings = settings
        self.logger = logger
        self.pool = NIOThreadPool(numberOfThreads: settings.threads)
        let path = settings.path
        self.file = WatchedFile(path: path, rereadAfter: settings.rereadAfter, pool: pool, watched: watched) { version in
            let started = FileVersion.now()
            do throws(SASLDBError) {
                let table = try BerkeleyDBReader.readTable(path: path, fileSize: version.stamp.size)
                logger.info("sasldb file read", metadata: [
                    "backend": "\(name)", "path": "\(path)", "users": "\(table.count)",
                    "bytes": "\(table.footprint)", "ms": "\((FileVersion.now() - started) / 1_000_000)",
                ])
                return .success(SASLDBSnapshot(table: table, version: version))
            } catch {
                return .failure(error)
            }
        }
        self.points = SASLDBPointReader(path: path, reuseHandles: file.isWatched)
        let stopped: @Sendable ([SASLDBRequest]) -> Void = { batch in
            for request in batch { request.then(BackendAnswer(verdict: .unavailable(reason: "sasldb worker: thread pool stopped"))) }
        }
        // A look-up is local work with nothing to amortize but the wake-up, so the second
        // thread joins once 4 checks wait: at 16 clients under churn (1,000,000 users, a change
        // every 100 ms) that answered 6 to 15 % more checks/s, in alternating runs, than
        // joining only at a whole batch of 32, which 16 clients never fill.
        self.batches = PoolBatches(pool: pool, spreadAt: 4, threads: settings.threads, run: { [weak self] batch in
            guard let self else { return stopped(batch) }
            self.answer(batch)
        }, stopped: stopped)
        pool.start()
        if !file.isWatched {
            logger.notice("inotify unavailable for the sasldb file; every check will stat it on the pool", metadata: ["path": "\(settings.path)"])
        }
    }

    public func evaluate(_ lookup: SASLDBKey, password: Secret, then: @escaping @Sendable (BackendAnswer) -> Void) {
        if let answer = answerNow(lookup, password: password) { return then(answer) }
        batches.add(SASLDBRequest(lookup: lookup, password: password, then: then))
    }

    /// Answers a batch from this pool thread.
    private func answer(_ batch: [SASLDBRequest]) {
        activity.started(batch.count)
        let verdicts = checkBlocking(batch)
        activity.finished(batch.count)
        for (request, verdict) in zip(batch, verdicts) { request.then(BackendAnswer(verdict: verdict)) }
    }

    /// Times the file was read whole (start-up, and once after each quiet spell following a
    /// change), for tests.
    var wholeReads: Int { file.wholeReads }

    /// Answers from the copy in memory while the inotify watch proves the file unchanged.
    public func answerNow(_ lookup: SASLDBKey, password: Secret) -> BackendAnswer? {
        guard let snapshot = file.unchangedCopy() else { return nil }
        return BackendAnswer(verdict: snapshot.table.withPassword(for: lookup) { Self.verdict(stored: $0, password: password) })
    }

    /// The inotify watch's change count: every write to the file (or its replacement) moves it,
    /// so cached answers from the old file are dropped. Without inotify, proving the file
    /// unchanged would take a `stat` on the caller's thread, so answers are not cached at all.
    public func storeGeneration() -> UInt64? {
        file.generation().map { UInt64($0) }
    }

    /// Runs on a pool thread: from the copy if it is current, else each entry from the file,
    /// all read at one version of it (see `WatchedFile.consistently`).
    func checkBlocking(_ batch: [SASLDBRequest]) -> [BackendVerdict] {
        if let snapshot = file.currentCopy() {
            return batch.map { request in snapshot.table.withPassword(for: request.lookup) { Self.verdict(stored: $0, password: request.password) } }
        }
        let keys = batch.map(\.lookup)
        var reads = 0
        let found = file.consistently(settle: { (found: Result<[Secret?], SASLDBError>) in
            // Only stored passwords equal to the ones given need no settling (see `consistently`).
            guard case .success(let stored) = found else { return true }
            return zip(stored, batch).contains { stored, request in !(stored?.constantTimeEquals(request.password) ?? false) }
        }) { version in
            reads += 1
            // A second read checks the first (see `consistently`): through the shared handle it
            // would be answered from libdb's cache, from the very pages the first read saw.
            return points.passwords(for: keys, at: version, fresh: reads > 1)
        }
        switch found {
        case .success(let stored):
            return zip(stored, batch).map { stored, request in
                stored.map { $0.withUnsafeBytes { Self.verdict(stored: $0, password: request.password) } } ?? .unknownUser
            }
        case .failure(let error):
            points.forget()
            logger.warning("sasldb file unreadable", metadata: ["backend": "\(name)", "error": "\(error)"])
            return Array(repeating: .unavailable(reason: error.description), count: batch.count)
        }
    }

    private static func verdict(stored: UnsafeRawBufferPointer?, password: Secret) -> BackendVerdict {
        guard let stored else { return .unknownUser }
        return password.constantTimeEquals(stored) ? .accepted : .rejected(reason: "wrong password")
    }

    public func problems() async -> [String] {
        let result = try? await pool.runIfActive { self.file.load() }
        switch result {
        case .success(let snapshot):
            return snapshot.table.count == 0 ? ["\(sasldb.path) holds no users yet (add one with saslpasswd2 -f \(sasldb.path) -c USER)"] : []
        case .failure(let error):
            return ["\(error.description) (checks will answer \"temporarily unavailable\" until the file can be read)"]
        case nil:
            return ["backend stopped"]
        }
    }

    public func shutdown() async {
        file.stop()
        try? await pool.shutdownGracefully()
        points.forget()
    }

    public func status() -> BackendStatus {
        BackendStatus(running: activity.count)
    }
}
