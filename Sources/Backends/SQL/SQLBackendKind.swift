import AuthWire
public import AuthCore
public import Logging
import Foundation

/// Decodes `type: sql` backends and builds them.
public struct SQLBackendKind: BackendKind {
    public init() {}

    public var type: String { "sql" }

    static let keys: Set<String> = [
        "type", "driver", "password_query", "identity", "default_scheme", "allow_weak_schemes", "threads", "path", "hosts",
        "database", "user", "password", "password_file", "connect_timeout", "query_timeout", "connections", "sslmode",
        "ssl_ca_file", "ssl_cert_file", "ssl_key_file",
    ]
    /// Keys that only mean something for a database server.
    static let serverKeys: Set<String> = [
        "hosts", "database", "user", "password", "password_file", "connect_timeout", "query_timeout", "connections", "sslmode",
        "ssl_ca_file", "ssl_cert_file", "ssl_key_file",
    ]

    public func decode(_ node: ConfigNode) throws(ConfigError) -> SQLSettings {
        var settings = SQLSettings()
        settings.configFile = node.file
        let entries = try node.mapping(allowed: Self.keys)
        guard let driverNode = entries.first(where: { $0.key == "driver" })?.value else {
            throw node.error("a sql backend needs driver: (one of: \(SQLDriver.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let driverText = try driverNode.nonEmptyString()
        guard let driver = SQLDriver(rawValue: driverText) else {
            throw driverNode.error("expected one of: \(SQLDriver.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        settings.driver = driver
        var sawQuery = false
        for (key, value) in entries {
            if !driver.usesServer && Self.serverKeys.contains(key) {
                throw value.error("\(key) is for a database server; driver sqlite opens the file in path:")
            }
            switch key {
            case "password_query":
                let text = try value.nonEmptyString()
                do { settings.query = try SQLQuery.parse(text, driver: driver) } catch { throw value.error(error.message) }
                sawQuery = true
            case "identity":
                let text = try value.nonEmptyString()
                guard let style = IdentityStyle(rawValue: text) else {
                    throw value.error("expected one of: \(IdentityStyle.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                settings.identity = style
            case "default_scheme":
                let name = try value.nonEmptyString().uppercased()
                let scheme = StoredPassword(field: Array("{\(name)}".utf8)).scheme
                guard name.allSatisfy({ $0 != "{" && $0 != "}" }), scheme.method != .unsupported else {
                    throw value.error("\(name) is not a scheme authmux can verify")
                }
                settings.defaultScheme = name
            case "allow_weak_schemes":
                settings.allowWeakSchemes = try value.bool()
            case "threads":
                settings.threads = try value.int(in: 1...256)
            case "path":
                settings.path = try Self.absolutePath(value)
            case "hosts":
                let list = try value.stringList()
                guard !list.isEmpty else { throw value.error("at least one host") }
                settings.hosts = []
                for (index, text) in list.enumerated() {
                    guard let host = SQLHost.parse(text, defaultPort: driver.defaultPort) else {
                        throw value.error("host \(index + 1) \"\(text)\" is neither host[:port] nor a socket path")
                    }
                    if driver == .postgresql, host.socketPath != nil, PostgresConnection.splitSocketPath(text) == nil {
                        throw value.error("host \(index + 1) \"\(text)\": a PostgreSQL socket is named by its file, such as /run/postgresql/.s.PGSQL.5432")
                    }
                    settings.hosts.append(host)
                }
            case "database":
                settings.database = try value.nonEmptyString()
            case "user":
                settings.user = try value.nonEmptyString()
            case "password":
                settings.password = Secret(try value.string())
            case "password_file":
                settings.passwordFile = try Self.absolutePath(value)
                settings.passwordFileLine = value.line
            case "connect_timeout":
                settings.connectTimeout = try value.duration(in: .milliseconds(10) ... .minutes(10))
            case "query_timeout":
                settings.queryTimeout = try value.duration(in: .milliseconds(10) ... .minutes(10))
            case "connections":
                settings.connections = try value.int(in: 1...1024)
            case "sslmode":
                let text = try value.nonEmptyString()
                guard let mode = SQLSSLMode(rawValue: text) else {
                    throw value.error("expected one of: \(SQLSSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                settings.sslMode = mode
            case "ssl_ca_file":
                settings.sslCAFile = try Self.absolutePath(value)
            case "ssl_cert_file":
                settings.sslCertFile = try Self.absolutePath(value)
            case "ssl_key_file":
                settings.sslKeyFile = try Self.absolutePath(value)
            default:
                break
            }
        }
        guard sawQuery else {
            throw node.error("a sql backend needs password_query: (for example SELECT password FROM mailbox WHERE username = %{user} AND active = true)")
        }
        switch driver {
        case .sqlite:
            guard settings.path != nil else { throw node.error("driver sqlite needs path: (the database file)") }
        case .postgresql, .mariadb:
            if entries.contains(where: { $0.key == "path" }) {
                throw node.error("path: is for driver sqlite; a \(driver.rawValue) backend names hosts:")
            }
            guard !settings.hosts.isEmpty else { throw node.error("driver \(driver.rawValue) needs hosts: (host[:port] or a socket path, tried in order)") }
            guard settings.user != nil else { throw node.error("driver \(driver.rawValue) needs user: (the database account)") }
            if settings.password != nil && settings.passwordFile != nil {
                throw node.error("password and password_file: one or the other")
            }
            if (settings.sslCertFile == nil) != (settings.sslKeyFile == nil) {
                throw node.error("ssl_cert_file and ssl_key_file go together (a client certificate needs its key)")
            }
            if settings.sslMode == .disable && [settings.sslCAFile, settings.sslCertFile].contains(where: { $0 != nil }) {
                throw node.error("ssl_ca_file and ssl_cert_file need sslmode: require or verify-full")
            }
        }
        return settings
    }

    static func absolutePath(_ node: ConfigNode) throws(ConfigError) -> String {
        let path = try node.nonEmptyString()
        guard path.hasPrefix("/") else { throw node.error("must be an absolute path") }
        return path
    }

    public func makeBackend(name: String, settings: SQLSettings, logger: Logger) throws -> SQLBackend {
        var settings = settings
        if let file = settings.passwordFile {
            // Read now, while authmuxd may still be root: the file is meant to be readable by
            // root only, and a reload reads it again.
            switch SQLPasswordFile.read(file) {
            case .success(let secret): settings.password = secret
            case .failure(let message):
                logger.error("sql password_file cannot be read; connections will be refused", metadata: ["backend": "\(name)", "error": "\(message)"])
            }
        }
        return SQLBackend(name: name, settings: settings, logger: logger)
    }
}
