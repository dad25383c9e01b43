import AuthCore
import Logging
import NIOCore
import NIOExtras

/// Serves one saslauthd connection: read one request, answer once, close.
///
/// The request is parsed from this handler's own buffer so that it can be wiped after use. A
/// read deadline bounds how long a silent or slow client keeps its socket; nothing else is
/// held for it (no thread, no backend slot).
final class SaslauthdConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        /// Waiting for at least four complete fields.
        case reading
        /// Four fields are in; a backend on the route wants the client address, so a fifth field
        /// is awaited for the grace period before the check starts.
        case awaitingAddress(PreparedCheck)
        /// The backends are working. A fifth field that arrives now is kept for the log line.
        case checking
        case done
    }

    private let server: ServerContext
    /// The configuration this connection was accepted under; a reload does not change it.
    private let current: ActiveEngine.Current
    private var state = State.reading
    private var buffer = ByteBuffer()
    private var readDeadline: Scheduled<Void>?
    private var graceTimer: Scheduled<Void>?
    private var started = NIODeadline.now()
    private var lateAddress: String?
    private var acceptedFourFields = false

    /// What an `AcceptLane` read before handing the connection over, if it came that way.
    private let received: PendingBytes?
    private let acceptedAt: NIODeadline?

    init(server: ServerContext) {
        self.server = server
        self.current = server.active.current
        self.received = nil
        self.acceptedAt = nil
    }

    /// A connection an `AcceptLane` accepted under `current`, having already read `received`.
    init(server: ServerContext, current: ActiveEngine.Current, received: PendingBytes, started: NIODeadline) {
        self.server = server
        self.current = current
        self.received = received
        self.acceptedAt = started
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // The lane's bytes become this handler's buffer, so the wipe at the end covers them.
        // Typical requests are well under 256 bytes; the buffer grows for the rare long one.
        buffer = received?.take() ?? context.channel.allocator.buffer(capacity: 256)
    }

    func channelActive(context: ChannelHandlerContext) {
        started = acceptedAt ?? .now()
        readDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: current.limits.readTimeout) {
            self.endOfRequest(context: context)
        }
        context.fireChannelActive()
        if buffer.readableBytes > 0 { process(context: context) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        switch state {
        case .done:
            return
        case .checking where !acceptedFourFields:
            return
        default:
            break
        }
        guard buffer.readableBytes + chunk.readableBytes <= 5 * (2 + SaslauthdCodec.maxFieldLength) + 2 else {
            // More than any valid request can hold: no need to look further.
            if case .checking = state { return }
            answer(context: context, refusal: SaslauthdRequestError.trailingBytes.reason)
            return
        }
        buffer.writeBuffer(&chunk)
        process(context: context)
    }

    private func process(context: ChannelHandlerContext) {
        let scan = SaslauthdCodec.scan(buffer)
        switch state {
        case .reading:
            switch scan {
            case .incomplete:
                return
            case .fieldTooLong, .trailingBytes:
                refuseMalformed(scan, context: context)
            case .fiveFields:
                decodeAndStart(context: context, fieldCount: 5)
            case .fourFields:
                decodeAndStart(context: context, fieldCount: 4)
            }
        case .awaitingAddress(var prepared):
            switch scan {
            case .incomplete, .fourFields:
                return
            case .fieldTooLong, .trailingBytes:
                refuseMalformed(scan, context: context)
            case .fiveFields:
                switch SaslauthdCodec.decodeRequest(buffer, fieldCount: 5) {
                case .failure(let error):
                    answer(context: context, refusal: error.reason)
                case .success(let full):
                    // The first four fields are the ones already prepared; only the address is new.
                    switch prepared.request.adding(clientAddress: full.clientAddress?.bytes ?? []) {
                    case .failure(let refusal):
                        answer(context: context, refusal: refusal.reason)
                    case .success(let request):
                        prepared.request = request
                        graceTimer?.cancel()
                        start(context: context, prepared: prepared)
                    }
                }
            }
        case .checking:
            // The check began on four fields; a fifth that completes now only enriches the log.
            if scan == .fiveFields, case .success(let full) = SaslauthdCodec.decodeRequest(buffer, fieldCount: 5) {
                lateAddress = full.clientAddress?.text
            }
        case .done:
            return
        }
    }

    /// Answers a request whose framing is already wrong (an overlong length, bytes past the
    /// last field), before anything in it is decoded.
    private func refuseMalformed(_ scan: SaslauthdScan, context: ChannelHandlerContext) {
        switch scan {
        case .fieldTooLong(let field):
            answer(context: context, refusal: SaslauthdRequestError.fieldTooLong(field: field).reason)
        default:
            answer(context: context, refusal: SaslauthdRequestError.trailingBytes.reason)
        }
    }

    private func decodeAndStart(context: ChannelHandlerContext, fieldCount: Int) {
        let request: CheckRequest
        switch SaslauthdCodec.decodeRequest(buffer, fieldCount: fieldCount) {
        case .success(let decoded): request = decoded
        case .failure(let error):
            answer(context: context, refusal: error.reason)
            return
        }
        let prepared: PreparedCheck
        switch current.engine.prepare(request, recordSteps: server.traceNormalization) {
        case .success(let value): prepared = value
        case .failure(let error):
            answer(context: context, refusal: error.reason)
            return
        }
        if server.traceNormalization {
            for step in prepared.normalization.steps { server.logger.debug("normalize: \(step)") }
        }
        if fieldCount == 4 && prepared.wantsClientAddress && current.limits.clientAddressGrace > .zero {
            state = .awaitingAddress(prepared)
            graceTimer = context.eventLoop.assumeIsolated().scheduleTask(in: current.limits.clientAddressGrace) {
                self.graceExpired(context: context)
            }
            return
        }
        acceptedFourFields = fieldCount == 4
        start(context: context, prepared: prepared)
    }

    private func graceExpired(context: ChannelHandlerContext) {
        guard case .awaitingAddress(let prepared) = state else { return }
        start(context: context, prepared: prepared)
    }

    private func start(context: ChannelHandlerContext, prepared: PreparedCheck) {
        state = .checking
        readDeadline?.cancel()
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
                self.answer(context: context, text: outcome.wireAnswer)
            }
    }

    private func log(check: Check, outcome: CheckOutcome) {
        server.logCheck(check: check, outcome: outcome, started: started, clientAddress: check.request.clientAddress?.text ?? lateAddress)
    }

    private func answer(context: ChannelHandlerContext, refusal reason: String) {
        server.logger.info("request refused", metadata: ["reason": "\(reason)"])
        answer(context: context, text: "NO \(reason)")
    }

    /// Sends the one answer of this connection and closes it.
    private func answer(context: ChannelHandlerContext, text: String) {
        if case .done = state { return }
        state = .done
        readDeadline?.cancel()
        graceTimer?.cancel()
        wipeBuffer()
        var out = context.channel.allocator.buffer(capacity: text.utf8.count + 2)
        SaslauthdCodec.encodeAnswer(text, into: &out)
        context.writeAndFlush(wrapOutboundOut(out)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    /// No more bytes will come, because the read deadline passed or the client shut down its
    /// sending side: answer with what there is.
    private func endOfRequest(context: ChannelHandlerContext) {
        switch state {
        case .reading:
            if buffer.readableBytes == 0 {
                finishSilently(context: context)
            } else {
                answer(context: context, refusal: SaslauthdRequestError.incomplete.reason)
            }
        case .awaitingAddress(let prepared):
            graceTimer?.cancel()
            start(context: context, prepared: prepared)
        case .checking, .done:
            return
        }
    }

    private func finishSilently(context: ChannelHandlerContext) {
        state = .done
        readDeadline?.cancel()
        graceTimer?.cancel()
        wipeBuffer()
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            endOfRequest(context: context)
            return
        }
        if event is ChannelShouldQuiesceEvent {
            // Shutting down: a connection that has sent nothing yet is closed now; one whose
            // request is in progress is allowed to finish (its read deadline still bounds it).
            if case .reading = state, buffer.readableBytes == 0 {
                finishSilently(context: context)
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        readDeadline?.cancel()
        graceTimer?.cancel()
        if case .done = state {} else { state = .done }
        wipeBuffer()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        server.logger.debug("connection error", metadata: ["error": "\(error)"])
        finishSilently(context: context)
    }

    /// The buffer held the password; overwrite it before the memory is reused.
    private func wipeBuffer() {
        buffer.wipe()
    }
}
