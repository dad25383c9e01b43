import NIOCore
import NIOHTTP1
#if canImport(Glibc)
import Glibc
#endif

/// Answers one HTTP/1 connection of the metrics endpoint: `GET /metrics` gets the exposition,
/// `GET /` a pointer to it, anything else 404 or 405; every answer closes the connection
/// (scrapes are seconds apart). On a Unix socket with an `allow` list, the peer is checked with
/// SO_PEERCRED before any request is answered.
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let exporter: MetricsExporter
    private let policy: PeerPolicy?
    private var head: HTTPRequestHead?
    /// nil until the peer is judged; always true without a policy.
    private var admitted: Bool?

    init(exporter: MetricsExporter, policy: PeerPolicy?) {
        self.exporter = exporter
        self.policy = policy
        self.admitted = policy == nil ? true : nil
    }

    func channelActive(context: ChannelHandlerContext) {
        defer { context.fireChannelActive() }
        guard let policy else { return }
        guard let provider = context.channel as? any SocketOptionProvider else {
            admitted = false
            context.close(promise: nil)
            return
        }
        // Linux's struct ucred { pid_t pid; uid_t uid; gid_t gid; } (see PeerCredentials).
        let peer: EventLoopFuture<(Int32, UInt32, UInt32)> = provider.unsafeGetSocketOption(
            level: NIOBSDSocket.OptionLevel.socket, name: NIOBSDSocket.Option(rawValue: SO_PEERCRED))
        peer.assumeIsolated().whenComplete { result in
            let ok = (try? result.get()).map { policy.admits(uid: $0.1, gid: $0.2) } ?? false
            self.admitted = ok
            if !ok { context.close(promise: nil) }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            head = request
        case .body:
            break
        case .end:
            guard admitted == true, let request = head else {
                context.close(promise: nil)
                return
            }
            head = nil
            respond(to: request, context: context)
        }
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        let status: HTTPResponseStatus
        let contentType: String
        var body: [UInt8]
        if request.method != .GET && request.method != .HEAD {
            (status, contentType, body) = (.methodNotAllowed, "text/plain; charset=utf-8", Array("only GET\n".utf8))
        } else if path == "/metrics" {
            (status, contentType, body) = (.ok, "text/plain; version=0.0.4; charset=utf-8", exporter.exposition())
        } else if path == "/" {
            (status, contentType, body) = (.ok, "text/plain; charset=utf-8", Array("authmuxd: metrics at /metrics\n".utf8))
        } else {
            (status, contentType, body) = (.notFound, "text/plain; charset=utf-8", Array("not found; metrics are at /metrics\n".utf8))
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Connection", value: "close")
        if request.method == .HEAD { body = [] }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        if !body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
