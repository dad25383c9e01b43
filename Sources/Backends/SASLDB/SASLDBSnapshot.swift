import AuthWire
import AuthCore

/// The passwords of one sasldb file as they were at one moment, immutable, shared by all
/// checks until the file changes. Reading the whole file once and answering from memory is
/// what makes the sasldb path fast; the stamp is what keeps it exact.
final class SASLDBSnapshot: Sendable {
    let entries: [SASLDBKey: Secret]
    let stamp: FileStamp
    /// Wall-clock nanoseconds when reading began.
    let readStarted: Int64
    /// The change watch's count just before reading began; the snapshot is exact while the
    /// count has not moved.
    let watchCount: Int

    /// File timestamps come from a coarse kernel clock (a few milliseconds per tick), so a
    /// write in the same tick as our read would leave the stamp unchanged. A snapshot whose
    /// file changed within this window of the read is re-read once more on the next request
    /// (the same reasoning as git's "racy index").
    static let timestampGranularity: Int64 = 50_000_000

    init(entries: [SASLDBKey: Secret], stamp: FileStamp, readStarted: Int64, watchCount: Int) {
        self.entries = entries
        self.stamp = stamp
        self.readStarted = readStarted
        self.watchCount = watchCount
    }

    /// True when a later write is guaranteed to move the file's timestamps past `stamp`.
    var isSettled: Bool {
        stamp.latest < readStarted - Self.timestampGranularity
    }

    func password(for key: SASLDBKey) -> Secret? {
        entries[key]
    }
}
