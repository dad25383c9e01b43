import Dispatch
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// One file a backend answers from (a sasldb, a passwd-file), kept in memory whole and kept
/// exact at a cost per entry, not per file.
///
/// While the inotify watch proves the file unchanged, checks are answered from the copy in
/// memory (`unchangedCopy`, on the caller's thread). Once a change is pending, the copy is
/// dropped at once (it can no longer answer, and keeping it would hold two copies while the
/// next is read) and checks read their one entry from the file as it is now (`consistently`,
/// on the backend's pool); the file is read whole again in the background only once it has been
/// quiet for `rereadAfter`, so a writer changing one user every 100 ms never makes a check pay
/// for every user. A point read is never made while a writer is half-way through the file, and
/// is made again if the file changed while it read: never a half-written state, never
/// "unavailable" because another user's entry changed.
final class WatchedFile<Copy: FileCopy, Failure: FileReadFailure>: Sendable {
    let path: String
    /// nil when inotify cannot be used: every check then `stat`s the file on the pool.
    let watch: FileChangeWatch?
    /// Nanoseconds the file must stay unchanged before it is read whole again.
    private let rereadAfter: Int64
    private let pool: NIOThreadPool
    private let readWhole: @Sendable (FileVersion) -> Result<Copy, Failure>
    private let current = NIOLockedValueBox<Copy?>(nil)
    /// Serializes whole reads: one at a time, so at most one copy is ever being built.
    private let loadLock = NIOLock()
    private let reread = NIOLockedValueBox(RereadState())
    /// Whole reads made so far: what a test counts to prove a change cost no whole read.
    private let wholeReadCount = NIOLockedValueBox(0)

    /// The background re-read: whether one is scheduled, and what the file looked like at the
    /// last look, so the next look can tell whether it stayed quiet.
    private struct RereadState {
        var scheduled = false
        var stopped = false
        /// Whether a whole read has been tried: the first check reads the file whole (unless
        /// start-up did), as there is no copy yet to keep exact.
        var tried = false
        var lastMark: Mark?
    }

    /// What "unchanged" compares: the watch's count and the file's stamp.
    private struct Mark: Equatable {
        var count: Int
        var writing: Bool
        var stamp: FileStamp?
    }

    /// How long a point read waits for a writer that is half-way through the file (saslpasswd2
    /// flushes its pages in well under a millisecond) before reading anyway and trusting only
    /// the stamp and count checks around the read.
    static var writerWait: Int64 { 2_000_000_000 }

    /// How old the file's timestamps must be before a result `settle` picks is trusted: a
    /// write in the same tick of the kernel's coarse clock as the change before it leaves the
    /// timestamps as they were, so only a stamp older than a few ticks proves that any write
    /// since has moved it.
    static var settleAge: Int64 { 10_000_000 }

    /// - Parameter watched: false only for tests of the path taken when inotify is not available
    ///   (its limits reached): that fault cannot be caused for one test alone.
    init(
        path: String, rereadAfter: TimeAmount, pool: NIOThreadPool, watched: Bool = true,
        readWhole: @escaping @Sendable (FileVersion) -> Result<Copy, Failure>
    ) {
        self.path = path
        self.watch = watched ? FileChangeWatch(path: path) : nil
        self.rereadAfter = rereadAfter.nanoseconds
        self.pool = pool
        self.readWhole = readWhole
    }

    var isWatched: Bool { watch != nil }

    var wholeReads: Int { wholeReadCount.withLockedValue { $0 } }

    /// The copy while the watch proves the file unchanged; never blocks.
    func unchangedCopy() -> Copy? {
        guard let watch, let copy = current.withLockedValue({ $0 }), copy.version.watchCount == watch.poll() else { return nil }
        return copy
    }

    /// The watch's change count (nil without inotify): moves with every write to the file.
    func generation() -> Int? {
        watch?.poll()
    }

    /// The copy if it matches the file as it is now. Otherwise nil, after noting the change:
    /// the stale copy goes, and a re-read is scheduled for when the file is quiet. Pool only.
    func currentCopy() -> Copy? {
        let copy = current.withLockedValue { $0 }
        if let copy, isCurrent(copy) { return copy }
        if !reread.withLockedValue({ $0.tried }), case .success(let loaded) = load() { return loaded }
        changed(stale: copy)
        return nil
    }

    /// Reads the whole file now unless the copy is current (start-up, check-config, the
    /// background re-read). Blocking: pool only.
    @discardableResult
    func load() -> Result<Copy, Failure> {
        loadLock.withLock {
            reread.withLockedValue { $0.tried = true }
            if let copy = current.withLockedValue({ $0 }), isCurrent(copy) { return .success(copy) }
            current.withLockedValue { $0 = nil }
            wholeReadCount.withLockedValue { $0 += 1 }
            let result = consistently(readWhole)
            if case .success(let copy) = result { current.withLockedValue { $0 = copy } }
            return result
        }
    }

    /// Runs `read` against the file as it is now: never while a writer is between its first and
    /// last write (it waits, up to `writerWait`), and again whenever the file changed while it
    /// read (the stamp or the watch's count moved), so what it returns comes from one complete
    /// state of the file. Blocking: pool only.
    ///
    /// The kernel queues a write's inotify event at the end of the system call, after the data
    /// (or a truncation) is already visible: a read that falls entirely in that gap sees a
    /// changed file and no event. Truncating a large file keeps that gap open for as long as
    /// freeing its blocks takes (over a millisecond for 5 MB on ext4, and the new size shows
    /// before the new timestamps), and a writer whose CPU is taken away keeps it open longer.
    /// So a result `settle` picks — one a half-written file could have produced, such as "no
    /// such user" — is trusted only after `waitForWritesInFlight`, with the count and stamp
    /// still unchanged.
    ///
    /// A right password found (what `settle` does not pick) is not made to wait for a young
    /// stamp to age, which would hold the first check after every change for up to `settleAge`.
    /// Still, a read that overlapped a write (a page copied half old, half new) could in
    /// principle make one up from the two. So it is trusted only after the lock probe has let
    /// any write in flight finish copying, and, while the stamp is young, only if a second read
    /// made after the probe finds a right password too. If a write tore the first read, the
    /// second sees it whole; a later write of the same writer starts only once that one has
    /// returned, its event queued, which the count check sees. So at least one of the two reads
    /// saw no torn page, and both found a right password. (Without inotify only the stamp can
    /// show that later write, and one in the same clock tick leaves it as it was.) `settle` runs
    /// once per read (for passwd-file it verifies a hash).
    func consistently<T>(settle: (Result<T, Failure>) -> Bool = { _ in true }, _ read: (FileVersion) -> Result<T, Failure>) -> Result<T, Failure> {
        let deadline = FileVersion.now() + Self.writerWait
        var pause: UInt32 = 50
        func backOff() {
            usleep(pause)
            pause = min(pause * 2, 5_000)
        }
        while true {
            let pastDeadline = FileVersion.now() >= deadline
            let seen = watch?.observe()
            if let seen, seen.writing, !pastDeadline {
                backOff()
                continue
            }
            let started = FileVersion.now()
            guard let before = FileStamp.of(path: path) else { return .failure(.unreachable(path: path, code: errno)) }
            let version = FileVersion(stamp: before, readStarted: started, watchCount: seen?.count ?? 0)
            var result = read(version)
            var unsettled = settle(result)
            if !unsettled {
                waitForCopiesInFlight()
                if isYoung(before) {
                    result = read(version)
                    unsettled = settle(result)
                }
            }
            if unsettled { waitForWritesInFlight(before) }
            let unchanged = watch.map { $0.observe().count == seen?.count } ?? true
            if unchanged, FileStamp.of(path: path) == before { return result }
            guard !pastDeadline else { return .failure(.busy(path: path)) }
            // A replaced file: the watch follows the new one from here on.
            watch?.watchFile()
            backOff()
        }
    }

    /// Linux's SEEK_DATA, which Glibc's Swift module leaves out (it is a _GNU_SOURCE name).
    private static var seekData: Int32 { 3 }

    /// Returns once every write that was changing the file during a read has queued its
    /// event or moved the file's stamp, so that the checks after the read see it.
    ///
    /// `lseek(SEEK_DATA)` takes the inode's lock shared on ext4, XFS, btrfs and tmpfs, and a
    /// truncation holds that lock until its event is queued; a `write` holds it while it copies
    /// data, after it moved the timestamps, which is what the stamp check sees — unless the
    /// stamp is younger than a clock tick, so a young stamp is waited on until it is
    /// `settleAge` old (never longer than that: a clock stepped back cannot make it wait).
    /// Kernel facts, not a library's: no library offers this wait, hence the system calls here.
    private func waitForWritesInFlight(_ before: FileStamp) {
        waitForCopiesInFlight()
        let age = FileVersion.now() - before.latest
        guard age < Self.settleAge else { return }
        usleep(UInt32((Self.settleAge - max(age, 0)) / 1_000))
    }

    /// The lock probe alone: returns once a write that holds the inode's lock has copied its data.
    private func waitForCopiesInFlight() {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return }
        _ = lseek(fd, 0, Self.seekData)
        close(fd)
    }

    /// Whether a write could still be in the clock tick of `stamp` (see `waitForWritesInFlight`).
    private func isYoung(_ stamp: FileStamp) -> Bool {
        FileVersion.now() - stamp.latest < Self.settleAge
    }

    /// With inotify, an unchanged count is exact; without it, the stamp must match and be old
    /// enough that a same-tick write cannot hide behind it.
    private func isCurrent(_ copy: Copy) -> Bool {
        guard FileStamp.of(path: path) == copy.version.stamp else { return false }
        if let watch { return copy.version.watchCount == watch.poll() }
        return copy.version.isSettled
    }

    /// Drops `stale` (only it: a re-read may have put a current copy in its place meanwhile)
    /// and schedules a re-read.
    private func changed(stale: Copy?) {
        current.withLockedValue { if $0 === stale { $0 = nil } }
        // Every check makes this call while a change is pending: the mark (a stat) only when a
        // re-read is not scheduled yet.
        guard reread.withLockedValue({ !$0.scheduled && !$0.stopped }) else { return }
        let first = mark()
        let schedule = reread.withLockedValue { state in
            guard !state.scheduled, !state.stopped else { return false }
            state.scheduled = true
            state.lastMark = first
            return true
        }
        if schedule { lookAgainLater() }
    }

    private func mark() -> Mark {
        let seen = watch?.observe()
        return Mark(count: seen?.count ?? 0, writing: seen?.writing ?? false, stamp: FileStamp.of(path: path))
    }

    private func lookAgainLater() {
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(rereadAfter))) { [self] in lookAgain() }
    }

    /// The re-read timer: reads the file whole on the pool once it looked the same twice,
    /// `rereadAfter` apart; otherwise waits another period.
    private func lookAgain() {
        let now = mark()
        let quiet: Bool? = reread.withLockedValue { state in
            guard !state.stopped else {
                state.scheduled = false
                return nil
            }
            if state.lastMark == now, !now.writing { return true }
            state.lastMark = now
            return false
        }
        switch quiet {
        case nil: return
        case false?: lookAgainLater()
        case true?:
            pool.submit { state in
                defer { self.reread.withLockedValue { $0.scheduled = false } }
                guard case .active = state else { return }
                // A failure (the file went, or is not a database) is answered by the checks'
                // own point reads; the next change noticed schedules another try.
                self.load()
            }
        }
    }

    /// Stops re-reading and drops the copy (backend shutdown).
    func stop() {
        reread.withLockedValue { $0.stopped = true }
        current.withLockedValue { $0 = nil }
    }
}
