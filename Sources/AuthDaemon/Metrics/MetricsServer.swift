import AuthCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// The `metrics:` endpoint: HTTP/1 on a loopback TCP address or a Unix socket, served on the
/// daemon's event loops.
///
/// Served with SwiftNIO's NIOHTTP1, which the daemon already builds, rather than Hummingbird,
/// which the project's guideline prefers for HTTP: measured on the 2-core build machine, a clean
/// build with Hummingbird took several minutes longer (it brings swift-collections,
/// swift-configuration, swift-async-algorithms, swift-http-types and more), for one route that
/// answers GET and closes. See the README's Metrics section for the figures.
final class MetricsServer: Sendable {
    let config: MetricsConfig
    private let exporter: MetricsExporter
    private let group: any EventLoopGroup
    private let logger: Logger
    private struct Bound: Sendable {
        var channel: any Channel
        /// Our socket file's inode, so stopping removes only it; nil for TCP and passed sockets.
        var inode: ino_t?
    }
    private let bound = NIOLockedValueBox<Bound?>(nil)

    init(config: MetricsConfig, exporter: MetricsExporter, group: any EventLoopGroup, logger: Logger) {
        self.config = config
        self.exporter = exporter
        self.group = group
        self.logger = logger
    }

    /// Binds the endpoint (or takes the socket systemd passed for it) and starts serving.
    func start(passed: PassedSocket?) async throws {
        let listener = config.socketListener
        let policy = try listener?.allow.map(PeerPolicy.resolve)
        let exporter = exporter
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withPipeliningAssistance: false)
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(exporter: exporter, policy: policy))
                }
            }
        let channel: any Channel
        var inode: ino_t?
        if let passed {
            channel = try await bootstrap.withBoundSocket(try Self.nonBlocking(passed.fd)).get()
        } else if let listener {
            let gid = try SocketPreparer.groupID(for: listener)
            let stage = try SocketPreparer.stage(listener, group: gid)
            defer { stage.close() }
            let fd = try SocketPreparer.listen(on: stage.bindPath, for: listener.path, backlog: 64)
            do {
                inode = try stage.install(mode: listener.mode, group: gid, groupName: listener.group)
                channel = try await bootstrap.withBoundSocket(try Self.nonBlocking(fd)).get()
            } catch {
                close(fd)
                throw error
            }
        } else if case .tcp(let host, let port) = config.endpoint {
            do {
                channel = try await bootstrap.bind(host: host, port: port).get()
            } catch {
                throw SocketSetupError(description: "cannot listen for metrics on \(config.endpointText): \(error)")
            }
        } else {
            return
        }
        bound.withLockedValue { $0 = Bound(channel: channel, inode: inode) }
        logger.info("serving metrics", metadata: [
            "endpoint": "\(config.endpointText)", "from_systemd": "\(passed != nil)",
            "allow": "\(listener?.allow?.summary ?? (listener == nil ? "loopback" : "anyone who can reach the socket"))",
        ])
    }

    /// Stops accepting scrapes and removes our socket file.
    func stop() async {
        guard let current = bound.withLockedValue({ state -> Bound? in defer { state = nil }; return state }) else { return }
        try? await current.channel.close()
        if let path = config.socketListener?.path { SocketPreparer.remove(path, ifInode: current.inode) }
    }

    private static func nonBlocking(_ fd: CInt) throws -> CInt {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else {
            throw SocketSetupError(description: "cannot make the metrics socket non-blocking: \(SocketPreparer.errorText())")
        }
        return fd
    }
}
