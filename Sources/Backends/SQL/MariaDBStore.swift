import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

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

    init(settings: SQLSettings, backendName: String, pool: NIOThreadPool, logger: Logger) {
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
            let host = settings.hosts[pooled.hostIndex]
            let started = NIODeadline.now()
            switch pooled.run(parameters, host: host) {
            case .success(let rows):
                giveBack(pooled)
                return .success(rows)
            case .failure(let failure) where !failure.dropsConnection:
                giveBack(pooled)
                return .failure(failure)
            case .failure(let failure):
                pooled.close()
                // A failure that took the whole read timeout is a stalled server; anything
                // quicker (gone away) a restart that a fresh connection settles.
                if NIODeadline.now() - started >= .seconds(Int64(MariaDBConnection.seconds(settings.queryTimeout))) {
                    note(failure, hostIndex: pooled.hostIndex)
                }
                last = failure
            }
        }
        if settings.passwordFile != nil && settings.password == nil {
            return .failure(SQLFailure("password_file \(settings.passwordFile ?? "") could not be read"))
        }
        for index in failover.order() {
            let host = settings.hosts[index]
            let connection: MariaDBConnection
            switch MariaDBConnection.open(host: host, hostIndex: index, settings: settings) {
            case .success(let opened): connection = opened
            case .failure(let failure):
                guard failure.triesNextHost else { return .failure(failure) }
                note(failure, hostIndex: index)
                last = failure
                continue
            }
            switch connection.run(parameters, host: host) {
            case .success(let rows):
                failover.markWorking(index)
                giveBack(connection)
                return .success(rows)
            case .failure(let failure) where !failure.dropsConnection:
                giveBack(connection)
                return .failure(failure)
            case .failure(let failure):
                connection.close()
                note(failure, hostIndex: index)
                last = failure
            }
        }
        return .failure(last ?? SQLFailure("no host to try"))
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
