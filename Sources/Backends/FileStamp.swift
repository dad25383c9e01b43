#if canImport(Glibc)
import Glibc
#endif

/// Identity and modification state of a file, from one `stat` call. Two equal stamps mean the
/// file was not replaced, grown or written in between — except within the kernel's timestamp
/// granularity, which `FileVersion.isSettled` accounts for.
struct FileStamp: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modified: Int64  // nanoseconds since the epoch
    var changed: Int64

    /// nil with `errno` set when the file cannot be stat'ed.
    static func of(path: String) -> FileStamp? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileStamp(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
            changed: Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
        )
    }

    /// The later of the two timestamps.
    var latest: Int64 { max(modified, changed) }
}
