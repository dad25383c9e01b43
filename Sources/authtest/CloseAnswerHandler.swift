import NIOCore

/// Collects everything the server sends until it closes the connection, which is how pwcheck
/// and authdaemond servers end their answer; completes `promise` with those bytes.
final class CloseAnswerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let promise: EventLoopPromise<[UInt8]>
    private var received: [UInt8] = []
    /// As much as libsasl2's authdaemond client reads; a server sending more is not one.
    private static let limit = 8192

    init(promise: EventLoopPromise<[UInt8]>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let chunk = unwrapInboundIn(data)
        received += chunk.readableBytesView.prefix(Self.limit - received.count)
        if received.count >= Self.limit {
            promise.succeed(received)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.succeed(received)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}
