import AuthCore
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// The `metrics:` endpoint: HTTP/1 with Hummingbird, on a loopback TCP address or a Unix
/// socket, on the daemon's event loops. `GET /metrics` answers the exposition, `GET /` says
/// where it is, anything else 404.
///
/// Hummingbird, as the project's guidelines prefer for HTTP, rather than SwiftNIO's NIOHTTP1
/// (which the daemon builds anyway): a clean debug build of authmuxd took 285 s without it and
/// 405 s with it on the 2-core build machine (under other load), about two minutes more, within
/// what the project accepts for a maintained server library.
///
/// A Unix socket is bound inside a `SocketStage` and given its mode and group there, then moved
/// into place, as the listeners' sockets are; Hummingbird binds only by address, so the metrics
/// endpoint cannot take a socket systemd passes (socket activation is for the listeners).
final class MetricsServer: Sendable {
    let config: MetricsConfig
    private let exporter: MetricsExporter
    private let group: any EventLoopGroup
    private let logger: Logger
    private struct Running: Sendable {
        var task: Task<Void, Never>
        /// Our socket file's inode, so stopping removes only it; nil for TCP.
        var inode: ino_t?
    }
    private let running = NIOLockedValueBox<Running?>(nil)

    init(config: MetricsConfig, exporter: MetricsExporter, group: any EventLoopGroup, logger: Logger) {
        self.config = config
        self.exporter = exporter
        self.group = group
        self.logger = logger
    }

    /// Binds the endpoint and starts serving; returns once it accepts connections.
    func start() async throws {
        let listener = config.socketListener
        let policy = try listener?.allow.map(PeerPolicy.resolve)
        var stage: SocketStage?
        let gid = try listener.map(SocketPreparer.groupID(for:)) ?? nil
        let address: BindAddress
        switch config.endpoint {
        case .tcp(let host, let port):
            address = .hostname(host, port: port)
        case .unix:
            guard let listener else { return }
            let staged = try SocketPreparer.stage(listener, group: gid)
            stage = staged
            address = .unixDomainSocket(path: staged.bindPath)
        }
        defer { stage?.close() }

        let bound = BindSignal()
        let application = Application(
            router: Self.router(exporter: exporter, policy: policy, logger: logger),
            configuration: ApplicationConfiguration(address: address, serverName: nil),
            onServerRunning: { _ in bound.complete(.success(())) },
            eventLoopGroupProvider: .shared(group),
            logger: Self.quietLogger(logger))
        let endpoint = config.endpointText
        let task = Task {
            do {
                try await application.run()
                bound.complete(.failure(SocketSetupError(description: "the metrics endpoint on \(endpoint) stopped before it was bound")))
            } catch {
                bound.complete(.failure(SocketSetupError(description: "cannot listen for metrics on \(endpoint): \(error)")))
            }
        }
        do {
            try await bound.wait()
        } catch {
            task.cancel()
            await task.value
            throw error
        }
        var inode: ino_t?
        if let stage, let listener {
            do {
                inode = try stage.install(mode: listener.mode, group: gid, groupName: listener.group)
            } catch {
                task.cancel()
                await task.value
                throw error
            }
        }
        running.withLockedValue { $0 = Running(task: task, inode: inode) }
        logger.info("serving metrics", metadata: [
            "endpoint": "\(config.endpointText)",
            "allow": "\(listener?.allow?.summary ?? (listener == nil ? "loopback" : "anyone who can reach the socket"))",
        ])
    }

    /// Stops serving and removes our socket file.
    func stop() async {
        guard let current = running.withLockedValue({ state -> Running? in defer { state = nil }; return state }) else { return }
        current.task.cancel()
        await current.task.value
        if let path = config.socketListener?.path { SocketPreparer.remove(path, ifInode: current.inode) }
    }

    private static func router(exporter: MetricsExporter, policy: PeerPolicy?, logger: Logger) -> Hummingbird.Router<MetricsRequestContext> {
        let router = Hummingbird.Router(context: MetricsRequestContext.self)
        router.get("metrics") { _, context -> Response in
            if let policy, !(await admits(context.channel, policy: policy, logger: logger)) {
                return text(.forbidden, "not in the metrics endpoint's allow list\n")
            }
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: exporter.exposition())))
        }
        router.get("/") { _, _ -> Response in
            text(.ok, "authmuxd: metrics at /metrics\n")
        }
        return router
    }

    private static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    /// The peer's credentials (SO_PEERCRED) judged by the allow list; a refusal is logged.
    private static func admits(_ channel: any Channel, policy: PeerPolicy, logger: Logger) async -> Bool {
        guard let provider = channel as? any SocketOptionProvider else { return false }
        // Linux's struct ucred { pid_t pid; uid_t uid; gid_t gid; } (see PeerCredentials).
        let future: EventLoopFuture<(Int32, UInt32, UInt32)> = provider.unsafeGetSocketOption(
            level: NIOBSDSocket.OptionLevel.socket, name: NIOBSDSocket.Option(rawValue: SO_PEERCRED))
        guard let peer = try? await future.get() else { return false }
        guard policy.admits(uid: peer.1, gid: peer.2) else {
            logger.warning("metrics request refused: peer not in the allow list", metadata: [
                "uid": "\(peer.1)", "gid": "\(peer.2)", "pid": "\(peer.0)",
            ])
            return false
        }
        return true
    }

    /// Hummingbird's own lines (server started, each request) only from notice up: the daemon
    /// logs what matters about the endpoint itself.
    private static func quietLogger(_ logger: Logger) -> Logger {
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .notice)
        return quiet
    }
}
