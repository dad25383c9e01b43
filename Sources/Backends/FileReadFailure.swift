#if canImport(Glibc)
import Glibc
#endif

/// Why a watched file could not be read, in each backend's own error type.
protocol FileReadFailure: Error {
    /// `stat` failed with `code` (a missing file, a directory without search permission…).
    static func unreachable(path: String, code: Int32) -> Self
    /// A writer changed the file under every read until `WatchedFile.writerWait` ran out.
    static func busy(path: String) -> Self
}

extension FileReadFailure {
    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
