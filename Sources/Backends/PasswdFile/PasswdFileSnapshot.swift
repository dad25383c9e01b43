/// One passwd-file as it was at one moment, parsed, immutable, shared by every check until the
/// file changes (the same freshness rules as `SASLDBSnapshot`).
final class PasswdFileSnapshot: Sendable {
    let contents: PasswdFileContents
    let stamp: FileStamp
    /// Wall-clock nanoseconds when reading began.
    let readStarted: Int64
    /// The change watch's count just before reading began.
    let watchCount: Int

    init(contents: PasswdFileContents, stamp: FileStamp, readStarted: Int64, watchCount: Int) {
        self.contents = contents
        self.stamp = stamp
        self.readStarted = readStarted
        self.watchCount = watchCount
    }

    /// True when a later write is guaranteed to move the file's timestamps past `stamp`.
    var isSettled: Bool {
        stamp.latest < readStarted - SASLDBSnapshot.timestampGranularity
    }
}
