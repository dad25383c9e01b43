import Logging
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// First handler on a connection to a listener with an `allow` list: asks the kernel who
/// connected (SO_PEERCRED) before a single byte is read, closes the connection of a peer the
/// policy does not admit, and otherwise gets out of the way and starts reading.
///
/// The listener's connections start with autoRead off, so nothing a refused peer sent is ever
/// read, let alone parsed.
final class PeerCredentialGate: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let policy: PeerPolicy
    private let listenerPath: String
    private let logger: Logger

    init(policy: PeerPolicy, listenerPath: String, logger: Logger) {
        self.policy = policy
        self.listenerPath = listenerPath
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        guard let provider = context.channel as? any SocketOptionProvider else {
            refuse(context: context, reason: "peer credentials unavailable", metadata: [:])
            return
        }
        // Linux's struct ucred is { pid_t pid; uid_t uid; gid_t gid; }. Glibc exposes it only
        // under _GNU_SOURCE, which Swift's Glibc module does not set; a tuple has the same
        // layout (fields in order, natural alignment).
        let future: EventLoopFuture<(pid: Int32, uid: UInt32, gid: UInt32)> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
        future.assumeIsolated().whenComplete { result in
            switch result {
            case .success(let credentials) where self.policy.admits(uid: credentials.uid, gid: credentials.gid):
                context.fireChannelActive()
                context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
                try? context.channel.syncOptions?.setOption(.autoRead, value: true)
            case .success(let credentials):
                self.refuse(context: context, reason: "peer not in the listener's allow list", metadata: [
                    "uid": "\(credentials.uid)", "gid": "\(credentials.gid)", "pid": "\(credentials.pid)",
                ])
            case .failure(let error):
                self.refuse(context: context, reason: "peer credentials unavailable: \(error)", metadata: [:])
            }
        }
    }

    private func refuse(context: ChannelHandlerContext, reason: String, metadata: Logger.Metadata) {
        Self.logRefusal(reason: reason, metadata: metadata, listenerPath: listenerPath, logger: logger)
        context.close(promise: nil)
    }

    /// The one warning for a refused peer, wherever the connection was accepted.
    static func logRefusal(reason: String, metadata: Logger.Metadata, listenerPath: String, logger: Logger) {
        var metadata = metadata
        metadata["listener"] = "\(listenerPath)"
        logger.warning("connection refused: \(reason)", metadata: metadata)
    }
}
