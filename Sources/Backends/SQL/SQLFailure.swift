/// Why a database could not answer, for the log: the server's or the client library's
/// message, never a bound value or a password.
struct SQLFailure: Error, CustomStringConvertible {
    var message: String
    /// The connection cannot be used again (closed, timed out, protocol broken).
    var dropsConnection: Bool
    /// Another host may answer: this one refused, timed out or went away. An SQL error the
    /// server answered (a typo in the query, a missing table) would be the same on every host.
    var triesNextHost: Bool
    /// An established connection stopped answering within query_timeout: the host is hung,
    /// not restarted, and a new connection to it would wait just as long.
    var stalled: Bool

    init(_ message: String, dropsConnection: Bool = false, triesNextHost: Bool = false, stalled: Bool = false) {
        self.message = message
        self.dropsConnection = dropsConnection
        self.triesNextHost = triesNextHost
        self.stalled = stalled
    }

    var description: String { message }
}
