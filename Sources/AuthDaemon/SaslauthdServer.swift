import AuthCore
import Logging
import NIOCore
import NIOExtras
import NIOPosix
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// The front doors: one Unix-socket listener per `listen:` entry, each speaking its own
/// protocol (saslauthd, pwcheck or authdaemond), all answering from the same engine. On graceful shutdown it stops accepting, lets the requests in flight finish,
/// and removes its socket files.
final class SaslauthdServer: Service {
    private let listeners: [ListenerConfig]
    private let context: ServerContext
    private let group: any EventLoopGroup
    private let logger: Logger
    private let loopCount: Int
    /// `limits.accept_threads`: threads of each saslauthd listener's `AcceptLane`; 0 serves it
    /// from SwiftNIO's accepting channel instead.
    private let acceptThreads: Int
    /// Shared by every listener: `limits.max_connections` counts all of them together.
    private let budget: ConnectionBudget
    /// `run_as`: performed once every socket is bound, before the daemon says it is ready.
    private let privileges: PrivilegeDrop?

    init(listeners: [ListenerConfig], context: ServerContext, group: any EventLoopGroup, loopCount: Int, acceptThreads: Int,
         maxConnections: Int, privileges: PrivilegeDrop? = nil, logger: Logger) {
        self.budget = ConnectionBudget(limit: maxConnections)
        self.privileges = privileges
        self.listeners = listeners
        self.context = context
        self.group = group
        self.loopCount = loopCount
        self.acceptThreads = acceptThreads
        self.logger = logger
    }

    private struct Bound {
        var listener: ListenerConfig
        /// How the listener is served: SwiftNIO's accepting channel, or an `AcceptLane`.
        var quiesce: ServerQuiescingHelper?
        var lane: AcceptLane?
        var inode: ino_t?
        /// The run_as account cannot remove the socket, as said at start.
        var staysBehind = false
    }

    func run() async throws {
        var bound: [Bound] = []
        do {
            for listener in listeners {
                bound.append(try await bind(listener))
            }
            try privileges?.perform(logger: logger)
        } catch {
            await drain(bound)
            throw error
        }
        logger.notice("authmuxd ready", metadata: ["sockets": "\(listeners.map(\.path).joined(separator: ", "))"])
        try? await gracefulShutdown()
        logger.notice("shutting down: no new connections, finishing requests in flight")
        await drain(bound)
        logger.notice("stopped")
    }

    /// Binds the listener's socket and serves it from one accepting channel. With one event
    /// loop, connections stay on the loop that accepted them; with more, they are spread over
    /// all loops.
    private func bind(_ listener: ListenerConfig) async throws -> Bound {
        let gid = try SocketPreparer.groupID(for: listener)
        let policy = try listener.allow.map(PeerPolicy.resolve)
        let stage = try SocketPreparer.stage(listener, group: gid)
        defer { stage.close() }
        if listener.protocolName == .saslauthd && acceptThreads > 0 {
            return try bindLane(listener, stage: stage, group: gid, policy: policy)
        }
        let server = context
        let logger = self.logger
        let budget = self.budget
        let quiesce = ServerQuiescingHelper(group: group)
        let acceptLoop = group.next()
        let base = loopCount == 1 ? ServerBootstrap(group: acceptLoop, childGroup: acceptLoop) : ServerBootstrap(group: group)
        let bootstrap = base
            .serverChannelOption(.backlog, value: 1024)
            // Accept a burst of connections per wake-up rather than NIO's default four.
            .serverChannelOption(.maxMessagesPerRead, value: 16)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiesce.makeServerChannelHandler(channel: channel))
                    try channel.pipeline.syncOperations.addHandler(ConnectionLimiter(budget: budget, listenerPath: listener.path, logger: logger))
                }
            }
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            // Receive buffers and the handler's buffer hold the password: wiped when freed or moved.
            .childChannelOption(.allocator, value: WipingAllocator.allocator)
            // Clients write the whole request at once: one read per readiness event spares the
            // read that would only return EAGAIN.
            .childChannelOption(.maxMessagesPerRead, value: 1)
            // With an allow list, nothing is read before PeerCredentialGate has admitted the peer.
            .childChannelOption(.autoRead, value: policy == nil)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let policy {
                        try channel.pipeline.syncOperations.addHandler(PeerCredentialGate(policy: policy, listenerPath: listener.path, logger: logger))
                    }
                    try channel.pipeline.syncOperations.addHandler(Self.connectionHandler(for: listener, server: server))
                }
            }
        // Bound in the stage's private directory, the socket is out of every client's reach until
        // `install` has given it its mode and group and moved it to its path.
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(unixDomainSocketPath: stage.bindPath).get()
        } catch {
            throw SocketSetupError(description: "cannot listen on \(listener.path): \(error)")
        }
        let inode: ino_t
        do {
            inode = try stage.install(mode: listener.mode, group: gid, groupName: listener.group)
        } catch {
            try? await channel.close()
            throw error
        }
        let staysBehind = announce(listener, acceptedBy: "event loop")
        return Bound(listener: listener, quiesce: quiesce, inode: inode, staysBehind: staysBehind)
    }

    /// Binds a saslauthd listener's socket and serves it from an `AcceptLane`.
    private func bindLane(_ listener: ListenerConfig, stage: SocketStage, group gid: gid_t?, policy: PeerPolicy?) throws -> Bound {
        let fd = try SocketPreparer.listen(on: stage.bindPath, for: listener.path, backlog: 1024)
        let inode: ino_t
        do {
            inode = try stage.install(mode: listener.mode, group: gid, groupName: listener.group)
        } catch {
            close(fd)
            throw error
        }
        let lane: AcceptLane
        do {
            lane = try AcceptLane(
                listener: listener, fd: fd, threads: acceptThreads, context: context, group: group, budget: budget, policy: policy, logger: logger)
        } catch {
            close(fd)
            SocketPreparer.remove(listener.path, ifInode: inode)
            throw error
        }
        lane.start()
        let staysBehind = announce(listener, acceptedBy: "\(acceptThreads) accept threads")
        return Bound(listener: listener, lane: lane, inode: inode, staysBehind: staysBehind)
    }

    /// Logs the listener, and whether the run_as account will be unable to remove its socket
    /// (returned, so shutdown does not warn about it a second time).
    private func announce(_ listener: ListenerConfig, acceptedBy: String) -> Bool {
        logger.info("listening", metadata: [
            "protocol": "\(listener.protocolName.rawValue)", "path": "\(listener.path)",
            "mode": "\(ListenerConfig.octal(listener.mode))", "group": "\(listener.group ?? "-")",
            "event_loops": "\(loopCount)", "accepted_by": "\(acceptedBy)",
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

    private static func connectionHandler(for listener: ListenerConfig, server: ServerContext) -> any ChannelHandler {
        switch listener.protocolName {
        case .saslauthd: return SaslauthdConnectionHandler(server: server)
        case .pwcheck: return FrontDoorConnectionHandler(server: server, wire: PwcheckWire(service: ByteString(listener.pwcheckService)))
        case .authdaemond: return FrontDoorConnectionHandler(server: server, wire: AuthdaemondWire())
        }
    }

    private func drain(_ bound: [Bound]) async {
        for item in bound {
            if let quiesce = item.quiesce {
                let promise = group.next().makePromise(of: Void.self)
                quiesce.initiateShutdown(promise: promise)
                try? await promise.futureResult.get()
            }
            await item.lane?.stop()
            if let problem = SocketPreparer.remove(item.listener.path, ifInode: item.inode), !item.staysBehind {
                logger.warning("cannot remove the socket; the next start replaces the stale file", metadata: ["path": "\(item.listener.path)", "error": "\(problem)"])
            }
        }
    }
}
