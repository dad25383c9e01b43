#if canImport(Glibc)
import Glibc
#endif

/// Which state of a file something was read from: the file's stamp, when reading began, and the
/// change watch's count at that moment. A snapshot and a point look-up are exact while the
/// count has not moved (or, without inotify, while the stamp is the same and settled).
struct FileVersion: Equatable, Sendable {
    var stamp: FileStamp
    /// Wall-clock nanoseconds when reading began.
    var readStarted: Int64
    /// The change watch's count just before reading began (0 without a watch).
    var watchCount: Int

    /// File timestamps come from a coarse kernel clock (a few milliseconds per tick), so a
    /// write in the same tick as our read would leave the stamp unchanged. Without inotify, a
    /// copy whose file changed within this window of the read is read once more on the next
    /// request (the same reasoning as git's "racy index").
    static let timestampGranularity: Int64 = 50_000_000

    /// True when a later write is guaranteed to move the file's timestamps past `stamp`.
    var isSettled: Bool {
        stamp.latest < readStarted - Self.timestampGranularity
    }

    /// Wall-clock nanoseconds.
    static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}
