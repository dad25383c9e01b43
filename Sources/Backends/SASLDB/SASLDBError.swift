/// Why a sasldb file could not be read; the text goes to the log and to check-config.
struct SASLDBError: FileReadFailure, CustomStringConvertible {
    var description: String

    static func unreachable(path: String, code: Int32) -> SASLDBError {
        SASLDBError(description: "\(path): \(errorText(code))")
    }

    static func busy(path: String) -> SASLDBError {
        SASLDBError(description: "\(path): changed on every read")
    }
}
