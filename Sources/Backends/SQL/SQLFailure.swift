/// Why a database could not answer, for the log: the server's or the client library's
/// message, never a bound value or a password.
struct SQLFailure: Error, CustomStringConvertible {
    var message: String
    /// The connection cannot be used again (closed, timed out, protocol broken).
    var dropsConnection: Bool
    /// Another host may answer: this one refused, timed out or went away. An SQL error the
    /// server answered (a typo in the query, a missing table) would be the same on every host.
    var triesNextHost: Bool

    init(_ message: String, dropsConnection: Bool = false, triesNextHost: Bool = false) {
        self.message = message
        self.dropsConnection = dropsConnection
        self.triesNextHost = triesNextHost
    }

    var description: String { message }
}
