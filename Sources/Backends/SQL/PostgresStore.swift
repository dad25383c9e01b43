import AuthCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Backends

/// `driver: postgresql` through postgres-nio's `PostgresConnection`, with a pool of its own.
///
/// postgres-nio's `PostgresClient` has a pool, but it is the wrong one here: a lease waits
/// while the pool retries connecting with its own back-off, with no deadline, and it knows one
/// host. A check must cost at most one connect timeout per dead host and one query timeout per
/// stalled one, and move on to the next host. So each connection is opened here: TCP by a
/// `ClientBootstrap` whose channel is closed when `connect_timeout` runs out (TLS and the
/// startup included, so a server that accepts TCP and never answers costs no more), and the
/// query runs under `query_timeout`, after which the connection is closed and the host marked
/// failed (`ServerFailover`). All the pool's callbacks run on the backend's one event loop.
final class PostgresStore: SQLStore {
    private let settings: SQLSettings
    private let backendName: String
    private let eventLoop: any EventLoop
    private let logger: Logger
    private let failover: ServerFailover
    private let tls: Result<NIOSSLContext?, SQLFailure>
    private let state = NIOLockedValueBox(PostgresPoolState())
    private let nextID = NIOLockedValueBox(0)

    init(settings: SQLSettings, backendName: String, eventLoop: any EventLoop, logger: Logger) {
        self.settings = settings
        self.backendName = backendName
        self.eventLoop = eventLoop
        self.logger = logger
        self.failover = ServerFailover(uris: settings.hosts.map(\.description))
        self.tls = Self.makeTLS(settings)
    }

    /// The TLS context, made once: the CA, certificate and key files are read at start (and
    /// at each reload, which makes a new backend).
    static func makeTLS(_ settings: SQLSettings) -> Result<NIOSSLContext?, SQLFailure> {
        guard settings.sslMode != .disable else { return .success(nil) }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        switch settings.sslMode {
        case .disable: break
        case .require: configuration.certificateVerification = .none
        case .verifyFull:
            configuration.certificateVerification = .fullVerification
            if let ca = settings.sslCAFile { configuration.trustRoots = .file(ca) }
        }
        do {
            if let cert = settings.sslCertFile, let key = settings.sslKeyFile {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            }
            return .success(try NIOSSLContext(configuration: configuration))
        } catch {
            return .failure(SQLFailure("TLS setup: \(error)"))
        }
    }

    func fetch(_ parameters: [String], then: @escaping @Sendable (Result<SQLRows, SQLFailure>) -> Void) {
        let query = parameters.map { PostgresData(string: $0) }
        acquire { pooled in
            guard let pooled else { return self.tryHosts(self.failover.order()[...], query: query, last: nil, then: then) }
            self.attempt(query, on: pooled, then: then) { failure in
                // Broken since its last use (server restarted, connection cut): a fresh
                // connection within the same check tells whether the host is down. A stalled
                // one is marked failed at once: a new connection to it would wait as long.
                if failure.stalled { self.note(failure, hostIndex: pooled.hostIndex) }
                self.tryHosts(self.failover.order()[...], query: query, last: failure, then: then)
            }
        }
    }

    /// Opens a connection to each host in turn until one answers the query; holds one slot.
    private func tryHosts(
        _ order: ArraySlice<Int>, query: [PostgresData], last: SQLFailure?, then: @escaping @Sendable (Result<SQLRows, SQLFailure>) -> Void
    ) {
        guard let index = order.first else {
            release(nil)
            return then(.failure(last ?? SQLFailure("no host to try")))
        }
        open(hostIndex: index).whenComplete { opened in
            switch opened {
            case .failure(let error):
                let failure = Self.failure(error, host: self.settings.hosts[index], connecting: true)
                guard failure.triesNextHost else {
                    // The server refused to prepare the query: every host would.
                    self.release(nil)
                    return then(.failure(failure))
                }
                self.note(failure, hostIndex: index)
                self.tryHosts(order.dropFirst(), query: query, last: failure, then: then)
            case .success(let pooled):
                self.attempt(query, on: pooled, then: then) { failure in
                    self.note(failure, hostIndex: index)
                    self.tryHosts(order.dropFirst(), query: query, last: failure, then: then)
                }
            }
        }
    }

    /// Runs the query on `pooled` and settles the slot: answered (rows, or an SQL error the
    /// server gave), the connection goes back to the pool; broken, it is closed and `broken`
    /// decides what next, the slot still held.
    private func attempt(
        _ query: [PostgresData], on pooled: PostgresPooled, then: @escaping @Sendable (Result<SQLRows, SQLFailure>) -> Void,
        broken: @escaping @Sendable (SQLFailure) -> Void
    ) {
        run(query, on: pooled) { result in
            switch result {
            case .failure(let failure) where failure.dropsConnection:
                Self.discard(pooled.connection)
                broken(failure)
            case .success:
                self.failover.markWorking(pooled.hostIndex)
                self.release(pooled)
                then(result)
            case .failure:
                self.release(pooled)
                then(result)
            }
        }
    }

    /// One connection to `hosts[hostIndex]`, authenticated, within `connect_timeout`.
    private func open(hostIndex: Int) -> EventLoopFuture<PostgresPooled> {
        let host = settings.hosts[hostIndex]
        let tlsContext: NIOSSLContext?
        switch tls {
        case .success(let context): tlsContext = context
        case .failure(let failure): return eventLoop.makeFailedFuture(failure)
        }
        if settings.passwordFile != nil && settings.password == nil {
            return eventLoop.makeFailedFuture(SQLFailure("password_file \(settings.passwordFile ?? "") could not be read"))
        }
        // postgres-nio takes the password as a String; it lives as long as the connection's
        // configuration.
        let password = settings.password.map { $0.withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }
        let bootstrap = ClientBootstrap(group: eventLoop).connectTimeout(settings.connectTimeout)
            .channelOption(ChannelOptions.socketOption(.so_keepalive), value: 1)
        let channel: EventLoopFuture<any Channel>
        if let socket = host.socketPath {
            channel = bootstrap.connect(unixDomainSocketPath: socket)
        } else {
            channel = bootstrap.connect(host: host.host, port: host.port)
        }
        let id = nextID.withLockedValue { id -> Int in
            id += 1
            return id
        }
        let deadline = settings.connectTimeout
        let connected = channel.flatMap { channel -> EventLoopFuture<PostgresPooled> in
            var configuration = PostgresConnection.Configuration(
                establishedChannel: channel, tls: tlsContext.map { PostgresConnection.Configuration.TLS.require($0) } ?? .disable,
                username: self.settings.user ?? "", password: password, database: self.settings.database)
            if host.socketPath == nil && !Self.isIPAddress(host.host) { configuration.options.tlsServerName = host.host }
            // The whole handshake (TLS, startup, authentication) within what is left of the
            // connect timeout: a server that took the TCP connection and stopped answering
            // would otherwise hold this check for ever.
            let timedOut = NIOLockedValueBox(false)
            let timer = self.eventLoop.scheduleTask(in: deadline) {
                timedOut.withLockedValue { $0 = true }
                channel.close(promise: nil)
            }
            return PostgresConnection.connect(on: self.eventLoop, configuration: configuration, id: id, logger: self.logger)
                .always { _ in timer.cancel() }
                .flatMapErrorThrowing { error in
                    guard timedOut.withLockedValue({ $0 }) else { throw error }
                    throw SQLFailure("\(host): no answer within connect_timeout \(ConfigNode.format(deadline))", dropsConnection: true, triesNextHost: true)
                }
                .flatMap { connection in self.prepare(on: connection, hostIndex: hostIndex) }
        }
        return connected
    }

    /// The password query prepared on a new connection, under `query_timeout`. A server that
    /// refuses it (a typo, a missing table) fails as an SQL error, not as the host's failure.
    private func prepare(on connection: PostgresConnection, hostIndex: Int) -> EventLoopFuture<PostgresPooled> {
        let host = settings.hosts[hostIndex]
        let timedOut = NIOLockedValueBox(false)
        let timer = eventLoop.scheduleTask(in: settings.queryTimeout) {
            timedOut.withLockedValue { $0 = true }
            Self.discard(connection)
        }
        return connection.prepare(query: settings.query.sql)
            .always { _ in timer.cancel() }
            .map { PostgresPooled(connection: connection, query: $0, hostIndex: hostIndex, opened: .now()) }
            .flatMapErrorThrowing { error in
                Self.discard(connection)
                if timedOut.withLockedValue({ $0 }) {
                    throw SQLFailure(
                        "\(host): query timed out after \(ConfigNode.format(self.settings.queryTimeout))", dropsConnection: true, triesNextHost: true,
                        stalled: true)
                }
                throw Self.failure(error, host: host, connecting: false)
            }
    }

    /// Runs the query on `pooled` under `query_timeout`, on the backend's loop: from another
    /// thread, arming the timer and writing the query would each hand work to that loop (two
    /// wake-ups per check); one hop does both.
    private func run(_ query: [PostgresData], on pooled: PostgresPooled, then: @escaping @Sendable (Result<SQLRows, SQLFailure>) -> Void) {
        guard eventLoop.inEventLoop else { return eventLoop.execute { self.run(query, on: pooled, then: then) } }
        let connection = pooled.connection
        let host = settings.hosts[pooled.hostIndex]
        let timedOut = NIOLockedValueBox(false)
        let timer = eventLoop.scheduleTask(in: settings.queryTimeout) {
            timedOut.withLockedValue { $0 = true }
            Self.discard(connection)
        }
        pooled.query.execute(query).whenComplete { result in
            timer.cancel()
            switch result {
            case .success(let answer):
                var rows = SQLRows(values: [], count: 0)
                for row in answer {
                    rows.count += 1
                    guard rows.values.count < 2 else { continue }
                    let cell = row.makeRandomAccess()
                    guard cell.count > 0 else { rows.values.append(nil); continue }
                    rows.values.append(cell[0].bytes.map { Array($0.readableBytesView) })
                }
                then(.success(rows))
            case .failure(let error):
                if timedOut.withLockedValue({ $0 }) {
                    then(.failure(SQLFailure(
                        "\(host): query timed out after \(ConfigNode.format(self.settings.queryTimeout))", dropsConnection: true, triesNextHost: true,
                        stalled: true)))
                } else {
                    then(.failure(Self.failure(error, host: host, connecting: false)))
                }
            }
        }
    }

    /// What an error from postgres-nio means here, with the server's own message. postgres-nio
    /// keeps its descriptions vague on purpose (they could hold the query's values); the parts
    /// taken here are the server's message and SQLSTATE, and the network error.
    static func failure(_ error: any Error, host: SQLHost, connecting: Bool) -> SQLFailure {
        if let failure = error as? SQLFailure { return failure }
        // The prepared-query API still answers with the older error type.
        if case .server(let info)? = error as? PostgresError {
            let text = "\(host): \(info.fields[.severity] ?? "ERROR") \(info.fields[.sqlState] ?? "?????"): \(info.fields[.message] ?? "(no message)")"
            return SQLFailure(text, dropsConnection: connecting, triesNextHost: connecting)
        }
        guard let error = error as? PSQLError else {
            return SQLFailure("\(host): \(error)", dropsConnection: true, triesNextHost: true)
        }
        if let info = error.serverInfo {
            let text = "\(host): \(info[.severity] ?? "ERROR") \(info[.sqlState] ?? "?????"): \(info[.message] ?? "(no message)")"
            // Refused at login (bad password, no such database) or an SQL error: the same
            // on every host, except while connecting, where a host in recovery may refuse.
            return SQLFailure(text, dropsConnection: connecting, triesNextHost: connecting)
        }
        var text = "\(host): \(error.code)"
        if let underlying = error.underlying { text += ": \(underlying)" }
        return SQLFailure(text, dropsConnection: true, triesNextHost: true)
    }

    static func isIPAddress(_ host: String) -> Bool {
        host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
    }

    private func note(_ failure: SQLFailure, hostIndex: Int) {
        failover.markFailed(hostIndex)
        logger.warning("sql host failed; trying the next one", metadata: [
            "backend": "\(backendName)", "host": "\(settings.hosts[hostIndex])", "reason": "\(failure.message)",
        ])
    }

    /// A slot, with an idle connection when one is kept; waits when every slot is in use.
    private func acquire(_ body: @escaping @Sendable (PostgresPooled?) -> Void) {
        var closing: [PostgresPooled] = []
        let granted = state.withLockedValue { state -> PostgresPooled?? in
            guard state.inUse < settings.connections else {
                state.waiters.append(body)
                return .none
            }
            state.inUse += 1
            while let pooled = state.idle.popLast() {
                // A connection to a host that failed since, or that the server closed, would
                // cost this check a timeout or an error.
                if failover.isFailed(pooled.hostIndex) || pooled.connection.isClosed {
                    closing.append(pooled)
                    continue
                }
                return .some(pooled)
            }
            return .some(nil)
        }
        for pooled in closing { Self.discard(pooled.connection) }
        if case .some(let pooled) = granted { body(pooled) }
    }

    /// Gives back a slot and its connection (nil when it was closed).
    private func release(_ pooled: PostgresPooled?) {
        var kept = pooled
        if let connection = pooled, failover.shouldRetire(serverIndex: connection.hostIndex, opened: connection.opened) {
            Self.discard(connection.connection)
            kept = nil
        }
        let waiter = state.withLockedValue { state -> (@Sendable (PostgresPooled?) -> Void)? in
            if !state.waiters.isEmpty { return state.waiters.removeFirst() }
            state.inUse -= 1
            if let kept { state.idle.append(kept) }
            return nil
        }
        // Called outside the lock: the waiter starts its query from here.
        waiter?(kept)
    }

    /// Closes without waiting: the channel closes on its event loop, failing anything pending.
    static func discard(_ connection: PostgresConnection) {
        let _: EventLoopFuture<Void> = connection.close()
    }

    func servers() -> [(uri: String, up: Bool)] {
        failover.uris.indices.map { (uri: failover.uris[$0], up: !failover.isFailed($0)) }
    }

    func close() async {
        let idle = state.withLockedValue { state -> [PostgresPooled] in
            defer { state.idle.removeAll() }
            return state.idle
        }
        for pooled in idle {
            let closed: EventLoopFuture<Void> = pooled.connection.close()
            try? await closed.get()
        }
    }
}
