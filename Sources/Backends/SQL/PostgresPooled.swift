import NIOCore
import PostgresNIO

/// An open PostgreSQL connection of a backend's pool, and the host it leads to.
struct PostgresPooled: Sendable {
    var connection: PostgresConnection
    var hostIndex: Int
    var opened: NIODeadline
}
