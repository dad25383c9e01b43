/// Why a passwd-file could not be read; the text goes to the log and to check-config.
struct PasswdFileError: Error, CustomStringConvertible {
    var description: String
    /// The file does not exist: for a per-domain path that only means the realm has no users.
    var missing = false
}
