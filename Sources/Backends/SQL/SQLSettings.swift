public import AuthWire
public import AuthCore
public import NIOCore

/// `type: sql`: users in a database table (Postfix Admin's `mailbox`, or a site's own schema),
/// read by one `password_query` whose tokens are bound parameters.
public struct SQLSettings: BackendSettings {
    public var driver: SQLDriver = .sqlite
    public var query = SQLQuery(template: "", sql: "", parameters: [])
    /// How `%{user}` spells the canonical identity; mail stores key by the full address.
    public var identity: IdentityStyle = .qualified
    /// The scheme of a password column without a `{SCHEME}` prefix; nil: crypt(3), which
    /// recognizes `$6$`, `$y$`, `$2y$`, `$1$` by themselves.
    public var defaultScheme: String?
    public var allowWeakSchemes = false
    /// Size of this backend's thread pool: hash verification, and SQLite's and MariaDB's calls.
    public var threads = 4

    /// SQLite: the database file, opened read-only.
    public var path: String?

    /// PostgreSQL and MariaDB: tried in order, a failed one last for a while.
    public var hosts: [SQLHost] = []
    public var database: String?
    public var user: String?
    /// The database password, from `password:` or `password_file:` (read when the backend is
    /// made, so never shown by check-config and never in the settings' description).
    public var password: Secret?
    public var passwordFile: String?
    /// Where `password_file` was written, for a refusal located at it.
    public var passwordFileLine = 0
    public var configFile = ""
    /// How long opening one connection (TCP, TLS, authentication) may take before the next host
    /// is tried.
    public var connectTimeout: TimeAmount = .seconds(5)
    /// How long the password query may take on an open connection; a stalled server costs this
    /// once, then is tried last.
    public var queryTimeout: TimeAmount = .seconds(5)
    /// Connections this backend keeps open at most, across its hosts.
    public var connections = 8
    public var sslMode: SQLSSLMode = .disable
    public var sslCAFile: String?
    public var sslCertFile: String?
    public var sslKeyFile: String?

    public init() {}

    public var type: String { "sql" }
    public var usesClientAddress: Bool { false }

    public var privilegeNeed: PrivilegeNeed {
        switch driver {
        case .sqlite: return PrivilegeNeed(readsFiles: path.map { [$0] } ?? [])
        case .postgresql, .mariadb:
            // The password file is read once, before root is given up; the TLS files on
            // every new connection.
            return PrivilegeNeed(readsFiles: [sslCAFile, sslCertFile, sslKeyFile].compactMap { $0 })
        }
    }

    public var summary: String {
        var parts: [String] = []
        switch driver {
        case .sqlite:
            parts.append("SQL sqlite \(path ?? "(no path)") read-only")
        case .postgresql, .mariadb:
            parts.append("SQL \(driver.rawValue) \(hosts.map(\.description).joined(separator: " "))")
            parts.append("database \(database ?? "(default)") as \(user ?? "(default user)")")
            parts.append(passwordFile.map { "password from \($0)" } ?? (password == nil ? "no password" : "password set (not shown)"))
            parts.append("connect_timeout \(ConfigNode.format(connectTimeout)), query_timeout \(ConfigNode.format(queryTimeout))")
            parts.append("\(connections) connection\(connections == 1 ? "" : "s")")
            parts.append("sslmode \(sslMode.rawValue)" + (sslCAFile.map { " against \($0)" } ?? ""))
        }
        parts.append("query \(query.template)")
        parts.append("%{user} \(identity.rawValue)")
        if let defaultScheme { parts.append("default_scheme \(defaultScheme)") }
        parts.append(allowWeakSchemes ? "weak schemes allowed" : "weak schemes refused")
        parts.append("\(threads) thread\(threads == 1 ? "" : "s")")
        return parts.joined(separator: ", ")
    }

    public func lookup(for subject: CheckSubject) -> BackendLookup<SQLLookup> {
        let values = query.parameters.map { $0.value(identity: subject.identity, service: subject.service, style: identity) }
        // A value that is not UTF-8, or that holds a NUL (no text column can, and libpq would
        // end the value there and ask for another user), is no user of the table.
        let texts = values.map { $0.bytes.contains(0) ? nil : String(validating: $0.bytes, as: UTF8.self) }
        let parameters = texts.contains(where: { $0 == nil }) ? nil : texts.compactMap { $0 }
        // Values joined with NUL, which no value holds: two checks bind the same values exactly
        // when these bytes are equal.
        var asked: [UInt8] = []
        for (index, value) in values.enumerated() {
            if index > 0 { asked.append(0) }
            asked += value.bytes
        }
        var shown = ShownText()
        for (index, (token, value)) in zip(query.parameters, values).enumerated() {
            if index > 0 { shown.literal(" ") }
            shown.literal("%{")
            shown.text(token.rawValue)
            shown.literal("}=\"")
            shown.bytes(value.bytes)
            shown.literal("\"")
        }
        return BackendLookup(lookup: SQLLookup(parameters: parameters, values: values), asked: ByteString(asked), shown: shown.bytes)
    }

    public func explain(_ subject: CheckSubject) -> String {
        let found = lookup(for: subject)
        let binds = zip(query.parameters, found.lookup.values).enumerated().map { index, pair in
            "\(driver.placeholder(index + 1)) = \"\(pair.1.text)\" (%{\(pair.0.rawValue)})"
        }
        var text = "\(driver.rawValue) query \"\(query.sql)\" with \(binds.joined(separator: ", "))"
        if found.lookup.parameters == nil { text += "; a value is not UTF-8 or holds a NUL, so the user is unknown without a query" }
        return text
    }
}
