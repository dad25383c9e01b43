/// Why a sasldb file could not be read; the text goes to the log and to check-config.
struct SASLDBError: Error, CustomStringConvertible {
    var description: String
}
