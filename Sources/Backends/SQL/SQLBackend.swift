public import AuthWire
public import AuthCore
import Logging
import Foundation
import NIOCore
import NIOPosix
import Backends

/// Checks passwords against a row of a database table: one prepared `password_query` whose
/// tokens are bound parameters, its first column checked by the scheme module.
///
/// The query runs on this backend's pool (libpq's and libmariadb's blocking calls, SQLite's),
/// its connections held by the driver's store; a hash with a work
/// factor (yescrypt, bcrypt, Argon2, PBKDF2, any crypt) is verified on this backend's bounded
/// pool, clear text or a single digest where the row arrived (`PasswordScheme.isCheap`).
public final class SQLBackend: AuthBackend {
    public let name: String
    public let settings: SQLSettings
    private let pool: NIOThreadPool
    private let store: any SQLStore
    private let verifier: PasswordVerifier
    private let activity = BackendActivity()
    private let logger: Logger

    init(name: String, settings: SQLSettings, logger: Logger) {
        self.name = name
        self.settings = settings
        self.logger = logger
        self.verifier = PasswordVerifier(library: SystemPasswordHashes(), allowWeak: settings.allowWeakSchemes)
        self.pool = NIOThreadPool(numberOfThreads: settings.threads)
        pool.start()
        switch settings.driver {
        case .sqlite:
            store = SQLiteStore(path: settings.path ?? "", query: settings.query, pool: pool, logger: logger)
        case .postgresql:
            store = PooledSQLStore<PostgresConnection>(settings: settings, backendName: name, pool: pool, logger: logger)
        case .mariadb:
            store = PooledSQLStore<MariaDBConnection>(settings: settings, backendName: name, pool: pool, logger: logger)
        }
    }

    public func evaluate(_ lookup: SQLLookup, password: Secret, then: @escaping @Sendable (BackendAnswer) -> Void) {
        guard let parameters = lookup.parameters else { return then(BackendAnswer(verdict: .unknownUser)) }
        store.fetch(parameters) { result in
            switch result {
            case .failure(let failure):
                then(BackendAnswer(verdict: .unavailable(reason: "query: \(failure.message)")))
            case .success(let rows) where rows.count == 0:
                then(BackendAnswer(verdict: .unknownUser))
            case .success(let rows) where rows.count > 1:
                self.logger.warning("sql password_query is ambiguous: more than one row; check refused", metadata: [
                    "backend": "\(self.name)", "rows": "\(rows.count)",
                    "values": "\(lookup.values.map { "\"\($0.text)\"" }.joined(separator: " "))",
                ])
                then(BackendAnswer(verdict: .rejected(reason: "ambiguous: \(rows.count) rows")))
            case .success(let rows):
                guard let field = rows.values[0] else {
                    return then(BackendAnswer(verdict: .rejected(reason: "password column is NULL")))
                }
                let stored = self.stored(field)
                // A digest or clear text costs less than the hand-off to the pool and back:
                // checked here, on the driver's thread. Hashes with a work factor go to the pool.
                guard !stored.scheme.isCheap else { return then(BackendAnswer(verdict: self.verify(password, stored: stored))) }
                self.pool.answer(worker: "sql worker", activity: self.activity, then: then) {
                    BackendAnswer(verdict: self.verify(password, stored: stored))
                }
            }
        }
    }

    /// The first column as an entry of its scheme (`default_scheme` for a bare value).
    private func stored(_ field: [UInt8]) -> StoredPassword {
        guard let scheme = settings.defaultScheme, field.first != UInt8(ascii: "{") else { return StoredPassword(field: field) }
        return StoredPassword(field: Array("{\(scheme)}".utf8) + field)
    }

    /// The entry against the password: on a pool thread unless its scheme `isCheap`.
    private func verify(_ password: Secret, stored: StoredPassword) -> BackendVerdict {
        switch verifier.verify(password, against: stored) {
        case .match:
            return .accepted
        case .mismatch:
            return .rejected(reason: "wrong password")
        case .corrupt(let reason):
            return .unavailable(reason: "unusable password column: \(reason)")
        case .refused(let scheme):
            return .unavailable(reason: "weak scheme \(scheme) refused (allow_weak_schemes: false)")
        case .unsupported(let scheme):
            return .unavailable(reason: "scheme \(scheme) cannot be verified by authmux")
        }
    }

    public func problems() async -> [String] {
        var problems: [String] = []
        switch settings.driver {
        case .sqlite:
            if let path = settings.path, !FileManager.default.isReadableFile(atPath: path) {
                problems.append("\(path) is not readable (checks will answer \"temporarily unavailable\" until it is)")
            }
        case .postgresql, .mariadb:
            if settings.passwordFile != nil && settings.password == nil {
                problems.append("password_file \(settings.passwordFile ?? "") could not be read: every connection will be refused")
            }
            for path in [settings.sslCAFile, settings.sslCertFile, settings.sslKeyFile].compactMap({ $0 })
            where !FileManager.default.isReadableFile(atPath: path) {
                problems.append("\(path) is not readable: TLS connections will fail")
            }
            if settings.sslMode == .disable {
                for host in settings.hosts where host.socketPath == nil && !LDAPSettings.isLoopback(host: host.host) {
                    problems.append("\(host) with sslmode: disable: users' passwords are not sent, but their hashes cross the network in clear text (set sslmode: verify-full)")
                }
            }
        }
        return problems
    }

    /// A password file others may read stops the start: the database password is as good as
    /// published.
    public func refusals() async -> [ConfigError] {
        guard let file = settings.passwordFile, let problem = SQLPasswordFile.permissionProblem(file) else { return [] }
        return [ConfigError(file: settings.configFile, line: settings.passwordFileLine, column: 1, keyPath: "backends.\(name).password_file",
                            message: problem)]
    }

    public func shutdown() async {
        await store.close()
        try? await pool.shutdownGracefully()
    }

    public func status() -> BackendStatus {
        BackendStatus(running: activity.count, servers: store.servers().map { BackendStatus.Server(uri: $0.uri, up: $0.up) })
    }
}
