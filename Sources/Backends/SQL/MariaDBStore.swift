import CMariaDB
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Backends

/// `driver: mariadb` through Debian's MariaDB Connector/C (libmariadb), whose calls block: they
/// run on the backend's own pool, so at most `threads` connections are in use at once, and at
/// most `connections` are kept idle between checks.
///
/// A pooled connection that fails at the connection level (the server restarted, or stopped
/// answering within query_timeout) is closed and replaced within the same check; hosts are
/// tried in `ServerFailover` order.
final class MariaDBStore: SQLStore {
    private let settings: SQLSettings
    private let backendName: String
    private let pool: NIOThreadPool
    private let logger: Logger
    private let failover: ServerFailover
    private let idle = NIOLockedValueBox<[MariaDBConnection]>([])

    /// libmariadb sets up its global state on first use, which is not safe from several threads
    /// at once: done here, once, before any pool thread connects.
    private static let libraryReady: Bool = mysql_server_init(0, nil, nil) == 0

    init(settings: SQLSettings, backendName: String, pool: NIOThreadPool, logger: Logger) {
        _ = Self.libraryReady
        self.settings = settings
        self.backendName = backendName
        self.pool = pool
        self.logger = logger
        self.failover = ServerFailover(uris: settings.hosts.map(\.description))
    }

    func fetch(_ parameters: [String], then: @escaping @Sendable (Result<SQLRows, SQLFailure>) -> Void) {
        pool.submit { state in
            guard case .active = state else { return then(.failure(SQLFailure("sql worker: thread pool stopped"))) }
            then(self.fetchBlocking(parameters))
        }
    }

    /// The query on a pooled connection, else on fresh ones host by host. Pool threads only.
    private func fetchBlocking(_ parameters: [String]) -> Result<SQLRows, SQLFailure> {
        var last: SQLFailure?
        if let pooled = take() {
            switch attempt(parameters, on: pooled) {
            case .answered(let result): return result
            case .broken(let failure):
                // Gone away since its last use (a restart): a fresh connection settles it. A
                // stalled host is marked failed at once: a new connection would wait as long.
                if failure.stalled { note(failure, hostIndex: pooled.hostIndex) }
                last = failure
            }
        }
        if settings.passwordFile != nil && settings.password == nil {
            return .failure(SQLFailure("password_file \(settings.passwordFile ?? "") could not be read"))
        }
        for index in failover.order() {
            switch MariaDBConnection.open(host: settings.hosts[index], hostIndex: index, settings: settings) {
            case .failure(let failure):
                guard failure.triesNextHost else { return .failure(failure) }
                note(failure, hostIndex: index)
                last = failure
            case .success(let connection):
                switch attempt(parameters, on: connection) {
                case .answered(let result): return result
                case .broken(let failure):
                    note(failure, hostIndex: index)
                    last = failure
                }
            }
        }
        return .failure(last ?? SQLFailure("no host to try"))
    }

    /// What one try on a connection came to.
    private enum Attempt {
        /// Rows, or an SQL error the server gave: the connection went back to the pool.
        case answered(Result<SQLRows, SQLFailure>)
        /// The connection broke and was closed.
        case broken(SQLFailure)
    }

    private func attempt(_ parameters: [String], on connection: MariaDBConnection) -> Attempt {
        let started = NIODeadline.now()
        let result = connection.run(parameters, host: settings.hosts[connection.hostIndex])
        guard case .failure(var failure) = result, failure.dropsConnection else {
            if case .success = result { failover.markWorking(connection.hostIndex) }
            giveBack(connection)
            return .answered(result)
        }
        connection.close()
        // libmariadb says "lost connection" for a read timeout and for a server that went away
        // alike; only the first takes the whole timeout.
        failure.stalled = NIODeadline.now() - started >= .seconds(Int64(MariaDBConnection.seconds(settings.queryTimeout)))
        return .broken(failure)
    }

    private func note(_ failure: SQLFailure, hostIndex: Int) {
        failover.markFailed(hostIndex)
        logger.warning("sql host failed; trying the next one", metadata: [
            "backend": "\(backendName)", "host": "\(settings.hosts[hostIndex])", "reason": "\(failure.message)",
        ])
    }

    /// An idle connection; those to a host that failed since are closed instead.
    private func take() -> MariaDBConnection? {
        while let connection = idle.withLockedValue({ $0.popLast() }) {
            guard failover.isFailed(connection.hostIndex) else { return connection }
            connection.close()
        }
        return nil
    }

    private func giveBack(_ connection: MariaDBConnection) {
        if failover.shouldRetire(serverIndex: connection.hostIndex, opened: connection.opened) {
            return connection.close()
        }
        let kept = idle.withLockedValue { idle -> Bool in
            guard idle.count < settings.connections else { return false }
            idle.append(connection)
            return true
        }
        if !kept { connection.close() }
    }

    func servers() -> [(uri: String, up: Bool)] {
        failover.uris.indices.map { (uri: failover.uris[$0], up: !failover.isFailed($0)) }
    }

    func close() async {
        let all = idle.withLockedValue { idle -> [MariaDBConnection] in
            defer { idle.removeAll() }
            return idle
        }
        for connection in all { connection.close() }
    }
}
