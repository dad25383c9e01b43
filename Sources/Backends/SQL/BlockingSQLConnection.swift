import NIOCore

/// One connection of a database client library whose calls block (libpq, libmariadb), with
/// the password query prepared on it. `PooledSQLStore` hands it to one pool thread at a time.
protocol BlockingSQLConnection: AnyObject, Sendable {
    /// Which entry of `hosts:` it is connected to.
    var hostIndex: Int { get }
    /// When it was opened, for `ServerFailover.shouldRetire`.
    var opened: NIODeadline { get }
    /// Connects to `host` within `connect_timeout` and prepares the query, or says why not.
    static func open(host: SQLHost, hostIndex: Int, settings: SQLSettings) -> Result<Self, SQLFailure>
    /// Executes the prepared query once for each entry of `batch`, with its values bound, each
    /// within `query_timeout` of the answer before it, and answers each in order: rows, or the
    /// SQL error the server gave for it. A failure of the connection itself (it broke, or it
    /// stalled: `stalled` then) fails the whole batch, and the connection is not used again.
    func run(_ batch: [[String]], host: SQLHost) -> Result<[Result<SQLRows, SQLFailure>], SQLFailure>
    /// Closes it; it is not used again.
    func close()
}
