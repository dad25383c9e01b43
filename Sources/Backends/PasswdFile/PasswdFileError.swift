#if canImport(Glibc)
import Glibc
#endif

/// Why a passwd-file could not be read; the text goes to the log and to check-config.
struct PasswdFileError: FileReadFailure, CustomStringConvertible {
    var description: String
    /// The file does not exist: for a per-domain path that only means the realm has no users.
    var missing = false

    static func unreachable(path: String, code: Int32) -> PasswdFileError {
        PasswdFileError(description: "\(path): \(errorText(code))", missing: code == ENOENT)
    }

    static func busy(path: String) -> PasswdFileError {
        PasswdFileError(description: "\(path): changed on every read")
    }
}
