import Foundation
import Logging
import NIOCore
import NIOPosix
import Backends

/// `driver: postgresql` (libpq) and `driver: mariadb` (libmariadb): client libraries whose
/// calls block, run on the backend's own pool. At most `connections` are open at once over all
/// hosts, and batches run on at most that many threads (and `threads`), one connection each.
///
/// Queries go to the database in batches (`PoolBatches`): PostgreSQL's pipelined in one write,
/// MariaDB's one after another on one connection. A pooled connection that fails at the
/// connection level (the server restarted, or stopped answering within query_timeout) is closed
/// and the batch goes to a fresh one within the same checks; hosts are tried in
/// `ServerFailover` order.
final class PooledSQLStore<Connection: BlockingSQLConnection>: SQLStore {
    private let settings: SQLSettings
    private let backendName: String
    private let pool: NIOThreadPool
    private let logger: Logger
    private let failover: ServerFailover
    /// Guards `idle`, `open` and `closed`; signalled whenever a connection or a slot is given back.
    private let slots = NSCondition()
    nonisolated(unsafe) private var idle: [Connection] = []
    /// Connections open or being opened, idle ones included.
    nonisolated(unsafe) private var open = 0
    /// Set by `close`: connections given back from then on are closed.
    nonisolated(unsafe) private var closed = false
    /// Queries waiting for a pool thread, taken in batches: at most one batch per connection.
    /// Set once, at the end of `init` (its closure needs `self`).
    nonisolated(unsafe) private var batches: PoolBatches<SQLRequest>!

    init(settings: SQLSettings, backendName: String, pool: NIOThreadPool, logger: Logger) {
        self.settings = settings
        self.backendName = backendName
        self.pool = pool
        self.logger = logger
        self.failover = ServerFailover(uris: settings.hosts.map(\.description))
        let stopped: @Sendable ([SQLRequest]) -> Void = { batch in
            for request in batch { request.then(.failure(SQLFailure("sql worker: thread pool stopped"))) }
        }
        // Weak: the batches belong to the store, and a store whose backend is gone answers
        // what still waits as a stopped pool would.
        self.batches = PoolBatches(pool: pool, threads: min(settings.threads, settings.connections), run: { [weak self] batch in
            guard let self else { return stopped(batch) }
            self.run(batch)
        }, stopped: stopped)
    }

    func fetch(_ parameters: [String], then: @escaping @Sendable (Result<SQLRows, SQLFailure>) -> Void) {
        batches.add(SQLRequest(parameters: parameters, then: then))
    }

    /// A batch on one connection, each query answered from this pool thread.
    private func run(_ batch: [SQLRequest]) {
        let results = fetchBlocking(batch.map(\.parameters))
        for (request, result) in zip(batch, results) { request.then(result) }
    }

    /// The batch on a pooled connection, else on fresh ones host by host; one answer per
    /// query, in order. Pool threads only.
    private func fetchBlocking(_ batch: [[String]]) -> [Result<SQLRows, SQLFailure>] {
        var last: SQLFailure?
        if let pooled = take() {
            switch attempt(batch, on: pooled) {
            case .answered(let results): return results
            case .broken(let failure):
                // Gone away since its last use (a restart): a fresh connection settles it. A
                // stalled host is marked failed at once: a new connection would wait as long.
                if failure.stalled { note(failure, hostIndex: pooled.hostIndex) }
                last = failure
            }
        }
        if settings.passwordFile != nil && settings.password == nil {
            giveBack(nil)
            return Array(repeating: .failure(SQLFailure("password_file \(settings.passwordFile ?? "") could not be read")), count: batch.count)
        }
        for index in failover.order() {
            switch Connection.open(host: settings.hosts[index], hostIndex: index, settings: settings) {
            case .failure(let failure):
                guard failure.triesNextHost else {
                    giveBack(nil)
                    return Array(repeating: .failure(failure), count: batch.count)
                }
                note(failure, hostIndex: index)
                last = failure
            case .success(let connection):
                switch attempt(batch, on: connection) {
                case .answered(let results): return results
                case .broken(let failure):
                    note(failure, hostIndex: index)
                    last = failure
                }
            }
        }
        giveBack(nil)
        return Array(repeating: .failure(last ?? SQLFailure("no host to try")), count: batch.count)
    }

    /// What one try on a connection came to.
    private enum Attempt {
        /// Rows, or an SQL error the server gave, per query: the connection went back to the pool.
        case answered([Result<SQLRows, SQLFailure>])
        /// The connection broke and was closed; its slot is still held.
        case broken(SQLFailure)
    }

    private func attempt(_ batch: [[String]], on connection: Connection) -> Attempt {
        switch connection.run(batch, host: settings.hosts[connection.hostIndex]) {
        case .success(let results):
            if results.contains(where: { if case .success = $0 { true } else { false } }) { failover.markWorking(connection.hostIndex) }
            giveBack(connection)
            return .answered(results)
        case .failure(let failure):
            connection.close()
            return .broken(failure)
        }
    }

    private func note(_ failure: SQLFailure, hostIndex: Int) {
        failover.markFailed(hostIndex)
        logger.warning("sql host failed; trying the next one", metadata: [
            "backend": "\(backendName)", "host": "\(settings.hosts[hostIndex])", "reason": "\(failure.message)",
        ])
    }

    /// Takes a slot: an idle connection, or nil when the caller is to open one. Waits while
    /// `connections` are open and none is idle. Idle connections to a host that failed since
    /// are closed (their slot is kept for the caller).
    private func take() -> Connection? {
        var stale: [Connection] = []
        defer { for connection in stale { connection.close() } }
        slots.lock()
        defer { slots.unlock() }
        while idle.isEmpty && open >= settings.connections { slots.wait() }
        while let connection = idle.popLast() {
            guard failover.isFailed(connection.hostIndex) else { return connection }
            stale.append(connection)
            open -= 1
        }
        open += 1
        return nil
    }

    /// Gives back a slot, with its connection when that is still usable (nil: closed or never
    /// opened).
    private func giveBack(_ connection: Connection?) {
        var kept = connection
        if let connection, failover.shouldRetire(serverIndex: connection.hostIndex, opened: connection.opened) {
            connection.close()
            kept = nil
        }
        slots.lock()
        // A batch still running when the backend shut down gives its connection back after
        // `close`: closed then, not kept in a pool nobody will use again.
        let late = closed ? kept : nil
        if let kept, !closed { idle.append(kept) } else { open -= 1 }
        slots.signal()
        slots.unlock()
        late?.close()
    }

    func servers() -> [(uri: String, up: Bool)] {
        failover.uris.indices.map { (uri: failover.uris[$0], up: !failover.isFailed($0)) }
    }

    func close() async {
        for connection in takeIdle() { connection.close() }
    }

    private func takeIdle() -> [Connection] {
        slots.lock()
        defer { slots.unlock() }
        closed = true
        let all = idle
        open -= idle.count
        idle.removeAll()
        return all
    }
}
