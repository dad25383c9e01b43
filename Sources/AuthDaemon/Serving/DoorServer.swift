import AuthCore
import AuthWire
import Logging
import NIOCore
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// Every listener of the configuration, each with its front door, all answering from the same
/// engine through `DoorSession`. On graceful shutdown it stops accepting, lets the requests in
/// flight finish, and removes its socket files.
final class DoorServer: Service {
    private let listeners: [ListenerConfig]
    private let context: ServerContext
    /// `limits.accept_threads`: accept threads per listener.
    private let acceptThreads: Int
    private let loopCount: Int
    /// `run_as`: performed once every socket is bound, before the daemon says it is ready.
    private let privileges: PrivilegeDrop?

    init(listeners: [ListenerConfig], context: ServerContext, acceptThreads: Int, loopCount: Int, privileges: PrivilegeDrop? = nil) {
        self.listeners = listeners
        self.context = context
        self.acceptThreads = acceptThreads
        self.loopCount = loopCount
        self.privileges = privileges
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
            for listener in listeners {
                bound.append(try bind(listener))
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

    /// Binds the listener's socket in the stage's private directory, where no client can reach
    /// it until `install` has given it its mode and group and moved it to its path, and starts
    /// its accept threads.
    private func bind(_ config: ListenerConfig) throws -> Bound {
        let gid = try SocketPreparer.groupID(for: config)
        let policy = try config.allow.map(PeerPolicy.resolve)
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
        let listener = DoorListener(
            listener: config, fd: fd, threads: acceptThreads, context: context, policy: policy, serve: Self.sessions(for: config, context: context))
        listener.start()
        return Bound(listener: listener, inode: inode, staysBehind: announce(config))
    }

    /// The front door of a listener: which state machine each of its connections runs, with
    /// the limits of the configuration the connection was accepted under.
    static func sessions(for config: ListenerConfig, context: ServerContext) -> DoorListener.Serve {
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
                    machine: SaslauthdDoor(settings: settings, allocator: allocator), fd: fd, context: context, current: current, protocolName: .saslauthd)
                session.serveOnAcceptThread(scratch: &scratch)
            }
        case .pwcheck:
            let framing = PwcheckFraming(service: ByteString(config.pwcheckService))
            return { fd, scratch in
                let current = context.active.current
                let machine = PlainDoor(framing: framing, readTimeout: current.limits.readTimeout, allocator: allocator)
                DoorSession(machine: machine, fd: fd, context: context, current: current, protocolName: .pwcheck).serveOnAcceptThread(scratch: &scratch)
            }
        case .authdaemond:
            return { fd, scratch in
                let current = context.active.current
                let machine = PlainDoor(framing: AuthdaemondFraming(), readTimeout: current.limits.readTimeout, allocator: allocator)
                DoorSession(machine: machine, fd: fd, context: context, current: current, protocolName: .authdaemond).serveOnAcceptThread(scratch: &scratch)
            }
        case .dovecot:
            let connections = DovecotConnections()
            return { fd, scratch in
                let current = context.active.current
                let settings = DovecotDoor.Settings(
                    readTimeout: current.limits.readTimeout, serverPID: connections.serverPID, cookie: connections.cookie)
                let machine = DovecotDoor(settings: settings, connectionID: connections.next(), allocator: allocator)
                DoorSession(machine: machine, fd: fd, context: context, current: current, protocolName: .dovecot).serveOnAcceptThread(scratch: &scratch)
            }
        }
    }

    /// Logs the listener, and whether the run_as account will be unable to remove its socket
    /// (returned, so shutdown does not warn about it a second time).
    private func announce(_ listener: ListenerConfig) -> Bool {
        logger.info("listening", metadata: [
            "protocol": "\(listener.protocolName.rawValue)", "path": "\(listener.path)",
            "mode": "\(ListenerConfig.octal(listener.mode))", "group": "\(listener.group ?? "-")",
            "accept_threads": "\(acceptThreads)", "event_loops": "\(loopCount)",
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
