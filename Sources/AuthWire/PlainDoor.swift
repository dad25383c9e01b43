public import NIOCore

/// One request, one answer, then the client reads until the server closes: the pwcheck and
/// authdaemond doors, with their framing.
///
/// After the answer the machine half-closes and keeps reading, discarding, until the client
/// closes its side (or the read deadline passes): closing a Unix socket with bytes still unread
/// makes Linux report a reset to the peer, and a client reading to the end (libsasl2's
/// authdaemond client, whose trailing empty line may arrive after the request was read) would
/// take that reset for a failed check.
public struct PlainDoor<Framing: PlainFraming>: DoorMachine {
    /// How much a client may send after its request before it is cut off.
    static var maxDrainBytes: Int { 64 * 1024 }

    enum State: Sendable {
        case reading
        case checking
        /// Answered and half-closed; waiting for the client to close.
        case draining(Int)
        case done
    }

    public let framing: Framing
    public let readTimeout: TimeAmount
    private let allocator: ByteBufferAllocator
    private(set) var state = State.reading
    private var buffer: ByteBuffer
    private var inputClosed = false
    private var actions = DoorActions()

    public init(framing: Framing, readTimeout: TimeAmount, allocator: ByteBufferAllocator) {
        self.framing = framing
        self.readTimeout = readTimeout
        self.allocator = allocator
        self.buffer = allocator.buffer(capacity: 256)
    }

    public var isIdle: Bool {
        if case .reading = state { return true }
        return false
    }

    public var isOneShot: Bool { true }

    public mutating func start() {
        actions.append(.timer(readTimeout))
    }

    public mutating func receive(_ bytes: ByteBuffer) {
        var chunk = bytes
        switch state {
        case .reading:
            break
        case .checking, .done:
            // libsasl2's trailing empty line, or anything else: not a second request.
            return
        case .draining(let drained):
            let total = drained + chunk.readableBytes
            state = .draining(total)
            if total > Self.maxDrainBytes { finish() }
            return
        }
        let room = framing.maxRequestBytes - buffer.readableBytes
        let overflow = chunk.readableBytes > room
        if var part = chunk.readSlice(length: min(room, chunk.readableBytes)) {
            buffer.writeBuffer(&part)
        }
        switch framing.scan(buffer) {
        case .incomplete:
            if overflow { refuse(FrontDoorRequestError.tooLong(field: "request", limit: framing.maxRequestBytes).reason) }
        case .refused(let error):
            refuse(error.reason)
        case .request(let request):
            state = .checking
            buffer.wipe()
            actions.append(.timer(nil))
            actions.append(.check(.only, request))
        }
    }

    public mutating func inputEnded() {
        inputClosed = true
        switch state {
        case .reading:
            endOfRequest()
        case .draining:
            finish()
        case .checking, .done:
            break
        }
    }

    public mutating func timerFired() {
        switch state {
        case .reading:
            endOfRequest()
        case .draining:
            finish()
        case .checking, .done:
            break
        }
    }

    /// No more bytes will come: answer with what there is.
    private mutating func endOfRequest() {
        if buffer.readableBytes == 0 {
            finish()
        } else {
            refuse(FrontDoorRequestError.incomplete.reason)
        }
    }

    public mutating func finished(_ id: RequestID, _ verdict: DoorVerdict) {
        guard case .checking = state else { return }
        answer(framing.answer(verdict))
    }

    public mutating func rejected(_ id: RequestID, reason: String) {
        guard case .checking = state else { return }
        refuse(reason)
    }

    public mutating func quiesce() {
        if case .reading = state, buffer.readableBytes == 0 { finish() }
    }

    public mutating func nextAction() -> DoorAction? {
        actions.pop()
    }

    public mutating func wipe() {
        buffer.wipe()
    }

    private mutating func refuse(_ reason: String) {
        actions.append(.refused(reason))
        answer(framing.refusal(reason: reason))
    }

    /// Sends the one answer (none when `text` is nil), then half-closes and drains, or closes
    /// when the client has already closed its side.
    private mutating func answer(_ text: String?) {
        buffer.wipe()
        if let text { actions.append(.send(allocator.buffer(string: text))) }
        if inputClosed {
            finish()
            return
        }
        state = .draining(0)
        actions.append(.closeOutput)
        actions.append(.timer(readTimeout))
    }

    private mutating func finish() {
        state = .done
        buffer.wipe()
        actions.append(.timer(nil))
        actions.append(.close)
    }
}
