/// One entry of `hosts:`: a TCP address (`db1.example.com`, `db1:5433`, `[2001:db8::1]:5432`)
/// or, starting with `/`, a Unix socket (PostgreSQL: the socket file, `/run/postgresql/.s.PGSQL.5432`;
/// MariaDB: `/run/mysqld/mysqld.sock`).
public struct SQLHost: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var socketPath: String?

    /// Parses one `hosts:` entry; nil when it is neither a socket path nor `host[:port]`.
    static func parse(_ text: String, defaultPort: Int) -> SQLHost? {
        if text.hasPrefix("/") { return SQLHost(host: "localhost", port: 0, socketPath: text) }
        guard !text.isEmpty, !text.contains(where: { $0 == " " || $0 == "/" }) else { return nil }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { return SQLHost(host: host, port: defaultPort) }
            guard rest.hasPrefix(":"), let port = Int(rest.dropFirst()), (1...65535).contains(port) else { return nil }
            return SQLHost(host: host, port: port)
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return SQLHost(host: text, port: defaultPort)
        case 2:
            guard !parts[0].isEmpty, let port = Int(parts[1]), (1...65535).contains(port) else { return nil }
            return SQLHost(host: String(parts[0]), port: port)
        default:
            // A bare IPv6 address: no port can be told from it.
            return SQLHost(host: text, port: defaultPort)
        }
    }

    init(host: String, port: Int, socketPath: String? = nil) {
        self.host = host
        self.port = port
        self.socketPath = socketPath
    }

    public var description: String {
        if let socketPath { return socketPath }
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
