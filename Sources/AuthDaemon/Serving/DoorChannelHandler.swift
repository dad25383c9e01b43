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

    func channelInactive(context: ChannelHandlerContext) {
        session.channelClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
