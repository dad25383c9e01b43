/// `sslmode:` of a PostgreSQL or MariaDB connection, named after libpq's.
public enum SQLSSLMode: String, Sendable, CaseIterable, Equatable {
    /// Never TLS: for a database on this host or a Unix socket.
    case disable
    /// TLS without checking the server's certificate: protects against a passive listener only.
    case require
    /// TLS, the certificate must chain to `ssl_ca_file` (or the system's trust store) and name
    /// the host the connection was made to.
    case verifyFull = "verify-full"
}
