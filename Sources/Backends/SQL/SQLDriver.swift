/// `driver:` of a `type: sql` backend: which database client runs the password query, and so
/// how a bound parameter is written in the SQL text.
public enum SQLDriver: String, Sendable, CaseIterable, Equatable {
    case postgresql
    case mariadb
    case sqlite

    /// The placeholder for the `position`-th (1-based) bound parameter: PostgreSQL numbers them
    /// (`$1`), MariaDB's prepared statements and SQLite take them in order (`?`).
    func placeholder(_ position: Int) -> String {
        switch self {
        case .postgresql: return "$\(position)"
        case .mariadb, .sqlite: return "?"
        }
    }

    /// Whether the driver talks to a server over the network (hosts, credentials, TLS), rather
    /// than opening a file.
    var usesServer: Bool { self != .sqlite }

    var defaultPort: Int {
        switch self {
        case .postgresql: return 5432
        case .mariadb: return 3306
        case .sqlite: return 0
        }
    }
}
