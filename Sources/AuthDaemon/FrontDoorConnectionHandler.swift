import AuthCore
import Logging
import NIOCore
import NIOExtras

/// Serves one pwcheck or authdaemond connection: read one request, answer once, close.
///
/// Both clients read until the server closes, so the answer is followed by a half-close of our
/// side. The connection is then kept, reading and discarding, until the client closes its side
/// (or the read deadline passes): closing a Unix socket with bytes still unread makes Linux
/// report ECONNRESET to the peer, and a client reading to the end (libsasl2's authdaemond
/// client, whose trailing empty line may arrive after the request was read) would take that
/// reset for a failed check.
final class FrontDoorConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case reading
        case checking
        /// Answered and half-closed; waiting for the client to close.
        case draining
        case done
    }

    /// How much a client may send after its request before it is cut off.
    private static let maxDrainBytes = 64 * 1024

    private let server: ServerContext
    private let wire: any FrontDoorWire
    /// The configuration this connection was accepted under; a reload does not change it.
    private let current: ActiveEngine.Current
    private var state = State.reading
    private var buffer = ByteBuffer()
    private var deadline: Scheduled<Void>?
    private var started = NIODeadline.now()
    private var inputClosed = false
    private var drained = 0

    init(server: ServerContext, wire: any FrontDoorWire) {
        self.server = server
        self.wire = wire
        self.current = server.active.current
    }

    func handlerAdded(context: ChannelHandlerContext) {
        buffer = context.channel.allocator.buffer(capacity: 256)
    }

    func channelActive(context: ChannelHandlerContext) {
        started = .now()
        armDeadline(context: context)
        context.fireChannelActive()
    }

    private func armDeadline(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: current.limits.readTimeout) {
            self.deadlinePassed(context: context)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        switch state {
        case .reading:
            break
        case .checking:
            // libsasl2's trailing empty line, or anything else: not a second request.
            return
        case .draining:
            drained += chunk.readableBytes
            if drained > Self.maxDrainBytes { finish(context: context) }
            return
        case .done:
            return
        }
        let room = wire.maxRequestBytes - buffer.readableBytes
        let overflow = chunk.readableBytes > room
        if var part = chunk.readSlice(length: min(room, chunk.readableBytes)) {
            buffer.writeBuffer(&part)
        }
        switch wire.scan(buffer) {
        case .incomplete:
            if overflow { refuse(.tooLong(field: "request", limit: wire.maxRequestBytes), context: context) }
        case .refused(let error):
            refuse(error, context: context)
        case .request(let request):
            start(request, context: context)
        }
    }

    private func start(_ request: CheckRequest, context: ChannelHandlerContext) {
        let prepared: PreparedCheck
        switch current.engine.prepare(request, recordSteps: server.traceNormalization) {
        case .success(let value): prepared = value
        case .failure(let error):
            refuse(reason: error.reason, context: context)
            return
        }
        if server.traceNormalization {
            for step in prepared.normalization.steps { server.logger.debug("normalize: \(step)") }
        }
        state = .checking
        deadline?.cancel()
        // The request (and the password in it) is decoded; the raw bytes are no longer needed.
        wipeBuffer()
        let check = current.engine.check(prepared)
        current.engine.run(check, on: context.eventLoop)
            .assumeIsolated()
            .whenComplete { result in
                let outcome: CheckOutcome
                switch result {
                case .success(let value): outcome = value
                case .failure(let error):
                    outcome = CheckOutcome(result: .unavailable, backend: nil, route: prepared.route?.number, trail: [], note: "internal error: \(error)")
                }
                self.log(check: check, outcome: outcome)
                self.answer(self.wire.answer(for: outcome, identity: prepared.identity), context: context)
            }
    }

    private func log(check: Check, outcome: CheckOutcome) {
        server.logCheck(check: check, outcome: outcome, started: started, protocolName: wire.protocolName)
    }

    private func refuse(_ error: FrontDoorRequestError, context: ChannelHandlerContext) {
        refuse(reason: error.reason, context: context)
    }

    private func refuse(reason: String, context: ChannelHandlerContext) {
        server.logger.info("request refused", metadata: ["reason": "\(reason)", "protocol": "\(wire.protocolName.rawValue)"])
        answer(wire.refusal(reason: reason), context: context)
    }

    /// Sends the one answer of this connection (none when `text` is nil), then half-closes.
    private func answer(_ text: String?, context: ChannelHandlerContext) {
        switch state {
        case .draining, .done: return
        case .reading, .checking: break
        }
        state = .draining
        wipeBuffer()
        armDeadline(context: context)
        guard let text else {
            halfClose(context: context)
            return
        }
        let out = context.channel.allocator.buffer(string: text)
        context.writeAndFlush(wrapOutboundOut(out)).assumeIsolated().whenComplete { _ in
            self.halfClose(context: context)
        }
    }

    private func halfClose(context: ChannelHandlerContext) {
        if inputClosed {
            finish(context: context)
            return
        }
        context.close(mode: .output).assumeIsolated().whenFailure { _ in
            self.finish(context: context)
        }
    }

    private func deadlinePassed(context: ChannelHandlerContext) {
        switch state {
        case .reading:
            if buffer.readableBytes == 0 {
                finish(context: context)
            } else {
                refuse(.incomplete, context: context)
            }
        case .draining:
            finish(context: context)
        case .checking, .done:
            return
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            inputClosed = true
            switch state {
            case .reading:
                // No more bytes will come: answer with what there is.
                deadlinePassed(context: context)
            case .draining:
                finish(context: context)
            case .checking, .done:
                break
            }
            return
        }
        if event is ChannelShouldQuiesceEvent {
            // Shutting down: a connection that has sent nothing yet is closed now; one whose
            // request is in progress is allowed to finish (its deadline still bounds it).
            if case .reading = state, buffer.readableBytes == 0 {
                finish(context: context)
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func finish(context: ChannelHandlerContext) {
        if case .done = state { return }
        state = .done
        deadline?.cancel()
        wipeBuffer()
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        state = .done
        wipeBuffer()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        server.logger.debug("connection error", metadata: ["error": "\(error)"])
        finish(context: context)
    }

    /// The buffer held the password; overwrite it before the memory is reused.
    private func wipeBuffer() {
        buffer.wipe()
    }
}
