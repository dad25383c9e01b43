import AuthCore
import AuthWire
import Logging
import NIOCore
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// Every listener of the configuration, each with its front door, all answering from the same
/// engine through `DoorSession`, and the metrics endpoint beside them. Once every socket is bound
/// (or taken from systemd) and `run_as` done, it tells systemd the daemon is ready. On graceful
/// shutdown it says it is stopping, stops accepting, lets the requests in flight finish, and
/// removes its socket files.
final class DoorServer: Service {
    private let listeners: [ListenerConfig]
    private let context: ServerContext
    /// `accept_threads`, `connection_threads` and `event_loops` (read at start only).
    private let limits: LimitsConfig
    /// `run_as`: performed once every socket is bound, before the daemon says it is ready.
    private let privileges: PrivilegeDrop?
    /// Each listener's open connections, in `listeners` order (for metrics).
    private let tallies: [ListenerConnections]
    /// Sockets systemd passed, by listener (socket activation).
    private let activation: SocketActivation
    private let metrics: MetricsServer?
    private let notifier: SystemdNotifier

    init(
        listeners: [ListenerConfig], context: ServerContext, limits: LimitsConfig, privileges: PrivilegeDrop? = nil,
        tallies: [ListenerConnections]? = nil, activation: SocketActivation = SocketActivation(), metrics: MetricsServer? = nil,
        notifier: SystemdNotifier = SystemdNotifier(notifySocket: nil)
    ) {
        self.listeners = listeners
        self.context = context
        self.limits = limits
        self.privileges = privileges
        self.tallies = tallies ?? listeners.map(ListenerConnections.init)
        self.activation = activation
        self.metrics = metrics
        self.notifier = notifier
    }

    private struct Bound {
        var listener: DoorListener
        var inode: ino_t?
        /// The run_as account cannot remove the socket, as said at start.
        var staysBehind = false
    }

    private var logger: Logger { context.logger }

    func run() async throws {
        var bound: [Bound] = []
        do {
            // The metrics endpoint first: once a listener answers, its checks can be scraped.
            try await metrics?.start()
            for (listener, tally) in zip(listeners, tallies) {
                bound.append(try bind(listener, tally: tally))
            }
            try privileges?.perform(logger: logger)
        } catch {
            await drain(bound)
            await metrics?.stop()
            throw error
        }
        logger.notice("authmuxd ready", metadata: ["sockets": "\(listeners.map(\.path).joined(separator: ", "))"])
        notifier.ready(status: Self.readyStatus(listeners))
        try? await gracefulShutdown()
        notifier.stopping()
        logger.notice("shutting down: no new connections, finishing requests in flight")
        await drain(bound)
        await metrics?.stop()
        logger.notice("stopped")
    }

    /// The line `systemctl status` shows while the daemon serves.
    static func readyStatus(_ listeners: [ListenerConfig]) -> String {
        "serving " + listeners.map { "\($0.protocolName.rawValue) on \($0.path)" }.joined(separator: ", ")
    }

    /// Binds the listener's socket in the stage's private directory, where no client can reach
    /// it until `install` has given it its mode and group and moved it to its path, and starts
    /// its accept threads.
    private func bind(_ config: ListenerConfig, tally: ListenerConnections) throws -> Bound {
        let gid = try SocketPreparer.groupID(for: config)
        let policy = try config.allow.map(PeerPolicy.resolve)
        if let passed = activation.listeners[config.path] {
            // Bound, and given its mode and group, by systemd (the socket unit's SocketMode= and
            // SocketGroup=); it stays systemd's, so it is neither replaced nor removed here.
            var served = config
            if let path = passed.path { served.path = path }
            let held = Self.heldConnections(for: config, limits: limits)
            let listener = DoorListener(
                listener: served, fd: passed.fd, threads: Self.threads(for: config, limits: limits), context: context, policy: policy, tally: tally,
                held: held, handedOver: passed.path != nil, serve: Self.sessions(for: config, context: context, tally: tally, held: held))
            listener.start()
            logger.info("listening on a socket from systemd", metadata: [
                "protocol": "\(config.protocolName.rawValue)", "path": "\(passed.path ?? config.path)", "name": "\(passed.name)",
                "threads": "\(Self.threads(for: config, limits: limits))", "allow": "\(config.allow?.summary ?? "anyone who can reach the socket")",
            ])
            return Bound(listener: listener, inode: nil, staysBehind: true)
        }
        let stage = try SocketPreparer.stage(config, group: gid)
        defer { stage.close() }
        let fd = try SocketPreparer.listen(on: stage.bindPath, for: config.path, backlog: 1024)
        let inode: ino_t
        do {
            inode = try stage.install(mode: config.mode, group: gid, groupName: config.group)
        } catch {
            close(fd)
            throw error
        }
        let held = Self.heldConnections(for: config, limits: limits)
        let listener = DoorListener(
            listener: config, fd: fd, threads: Self.threads(for: config, limits: limits), context: context, policy: policy, tally: tally,
            held: held, serve: Self.sessions(for: config, context: context, tally: tally, held: held))
        listener.start()
        return Bound(listener: listener, inode: inode, staysBehind: announce(config))
    }

    /// Accept threads for a listener. A Dovecot listener has four times `accept_threads`
    /// accepting at once (`persistentAccepting`): its threads also wait for client round trips (up to `acceptPatience`
    /// for the request after the greeting, and for the hang-up after the answer) where a
    /// one-shot door's request is usually there at the first read. Measured with 16 and 64
    /// clients opening a connection per check: 2 threads kept the checks/s of handing every
    /// connection to SwiftNIO, 8 gave 1.3-1.7 times as many; the same 8 on the saslauthd door
    /// doubled its p99. On top of those, `connection_threads` that may hold a busy connection
    /// (`HeldConnections`), which take turns so that no more accept at once.
    static func threads(for listener: ListenerConfig, limits: LimitsConfig) -> Int {
        guard listener.protocolName == .dovecot else { return limits.acceptThreads }
        return persistentAccepting(limits) + limits.connectionThreads
    }

    /// The threads of a Dovecot listener that accept at any one time.
    private static func persistentAccepting(_ limits: LimitsConfig) -> Int {
        limits.acceptThreads * 4
    }

    /// The slots of a listener whose door keeps its connections; nil for the one-shot doors.
    static func heldConnections(for listener: ListenerConfig, limits: LimitsConfig) -> HeldConnections? {
        guard listener.protocolName == .dovecot else { return nil }
        return HeldConnections(limit: limits.connectionThreads, accepting: persistentAccepting(limits))
    }

    /// The front door of a listener: which state machine each of its connections runs, with
    /// the limits of the configuration the connection was accepted under.
    static func sessions(
        for config: ListenerConfig, context: ServerContext, tally: ListenerConnections? = nil, held: HeldConnections? = nil
    ) -> DoorListener.Serve {
        let allocator = WipingAllocator.allocator
        switch config.protocolName {
        case .saslauthd:
            return { fd, scratch in
                let current = context.active.current
                let engine = current.engine
                let settings = SaslauthdDoor.Settings(
                    readTimeout: current.limits.readTimeout, addressGrace: current.limits.clientAddressGrace,
                    waitsForAddress: { request in (try? engine.prepare(request).get())?.wantsClientAddress ?? false })
                let session = DoorSession(
                    machine: SaslauthdDoor(settings: settings, allocator: allocator), fd: fd, context: context, current: current, protocolName: .saslauthd,
                    tally: tally)
                return session.serveOnAcceptThread(scratch: &scratch)
            }
        case .pwcheck:
            let framing = PwcheckFraming(service: ByteString(config.pwcheckService))
            return { fd, scratch in
                let current = context.active.current
                let machine = PlainDoor(framing: framing, readTimeout: current.limits.readTimeout, allocator: allocator)
                return DoorSession(machine: machine, fd: fd, context: context, current: current, protocolName: .pwcheck, tally: tally)
                    .serveOnAcceptThread(scratch: &scratch)
            }
        case .authdaemond:
            return { fd, scratch in
                let current = context.active.current
                let machine = PlainDoor(framing: AuthdaemondFraming(), readTimeout: current.limits.readTimeout, allocator: allocator)
                return DoorSession(machine: machine, fd: fd, context: context, current: current, protocolName: .authdaemond, tally: tally)
                    .serveOnAcceptThread(scratch: &scratch)
            }
        case .dovecot:
            let connections = DovecotConnections()
            return { fd, scratch in
                let current = context.active.current
                let settings = DovecotDoor.Settings(
                    readTimeout: current.limits.readTimeout, serverPID: connections.serverPID, cookie: connections.cookie)
                let machine = DovecotDoor(settings: settings, connectionID: connections.next(), allocator: allocator)
                return DoorSession(machine: machine, fd: fd, context: context, current: current, protocolName: .dovecot, tally: tally, held: held)
                    .serveOnAcceptThread(scratch: &scratch)
            }
        }
    }

    /// Logs the listener, and whether the run_as account will be unable to remove its socket
    /// (returned, so shutdown does not warn about it a second time).
    private func announce(_ listener: ListenerConfig) -> Bool {
        logger.info("listening", metadata: [
            "protocol": "\(listener.protocolName.rawValue)", "path": "\(listener.path)",
            "mode": "\(ListenerConfig.octal(listener.mode))", "group": "\(listener.group ?? "-")",
            "threads": "\(Self.threads(for: listener, limits: limits))", "event_loops": "\(limits.eventLoops)",
            "allow": "\(listener.allow?.summary ?? "anyone who can reach the socket")",
        ])
        if let account = privileges?.account, let denial = account.removalDenial(of: listener.path) {
            // Expected for a directory authmux created: it stays root's, so that the account
            // cannot swap the socket for a link before the next start.
            logger.notice("user \(account.userName) cannot remove the socket at shutdown; the next start replaces the stale file", metadata: [
                "path": "\(listener.path)", "reason": "\(denial)",
            ])
            return true
        }
        return false
    }

    private func drain(_ bound: [Bound]) async {
        for item in bound { await item.listener.stop() }
        await context.tracker.drain()
        for item in bound {
            let path = item.listener.listener.path
            if let problem = SocketPreparer.remove(path, ifInode: item.inode), !item.staysBehind {
                logger.warning("cannot remove the socket; the next start replaces the stale file", metadata: ["path": "\(path)", "error": "\(problem)"])
            }
        }
    }
}
