import Logging
import NIOCore

/// On a listening channel: counts the connections it accepts against the shared budget and,
/// while the budget is spent, holds back the read that would accept more. Clients then wait in
/// the socket's backlog (1024) instead of being refused; accepting resumes as soon as any
/// connection ends. One accept burst (16) may overshoot the cap, since the burst is already
/// under way when the count reaches it.
final class ConnectionLimiter: ChannelDuplexHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel
    typealias OutboundIn = Never

    private let budget: ConnectionBudget
    private let logger: Logger
    private let listenerPath: String
    private var heldRead = false

    init(budget: ConnectionBudget, listenerPath: String, logger: Logger) {
        self.budget = budget
        self.listenerPath = listenerPath
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = unwrapInboundIn(data)
        budget.opened()
        child.closeFuture.whenComplete { [budget] _ in budget.closed() }
        context.fireChannelRead(data)
    }

    func read(context: ChannelHandlerContext) {
        guard budget.isSpent else {
            context.read()
            return
        }
        guard !heldRead else { return }
        heldRead = true
        budget.notePause(listenerPath: listenerPath, logger: logger)
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        budget.waitForRoom {
            loop.execute {
                let (limiter, context) = bound.value
                limiter.resume(context: context)
            }
        }
    }

    private func resume(context: ChannelHandlerContext) {
        guard heldRead else { return }
        heldRead = false
        logger.debug("accepting resumed", metadata: ["listener": "\(listenerPath)"])
        read(context: context)
    }
}
