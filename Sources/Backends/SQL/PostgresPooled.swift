import NIOCore
import PostgresNIO

/// An open PostgreSQL connection of a backend's pool, the password query prepared on it, and
/// the host it leads to.
struct PostgresPooled: Sendable {
    var connection: PostgresConnection
    /// Parsed and planned by the server once per connection: each check only binds and executes.
    var query: PreparedQuery
    var hostIndex: Int
    var opened: NIODeadline
}
