import AuthWire
import NIOCore

/// Carries a `DoorSession` over a SwiftNIO channel once an accept thread has handed the
/// connection over: bytes, the end of input and the channel's end go to the session, which does
/// the rest. Nothing protocol-specific lives here.
final class DoorChannelHandler<Machine: DoorMachine>: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let session: DoorSession<Machine>

    init(session: DoorSession<Machine>) {
        self.session = session
    }

    func channelActive(context: ChannelHandlerContext) {
        session.adopt(context.channel)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        session.received(unwrapInboundIn(data))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            session.inputEnded()
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// A client that does not read its answers is not read from either until it does, so what
    /// one that keeps sending requests can make the daemon hold for it stays within the
    /// channel's write watermarks (64 KiB).
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        try? context.channel.syncOptions?.setOption(.autoRead, value: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        session.channelClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
