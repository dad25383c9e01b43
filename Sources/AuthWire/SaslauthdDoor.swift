public import NIOCore

/// Cyrus saslauthd's protocol for one connection (shared/DESIGN.md, "Wire protocol"): counted
/// strings for login, password, service, realm and, from Cyrus's development branch, the
/// client's address; one answer, `OK` or `NO reason`; then the server closes.
///
/// Four fields or five: released clients send four and wait. When `addressGrace` is above zero
/// and the request's route uses the client address (`waitsForAddress`), the machine waits that
/// long after the fourth field for a fifth that a client may write separately; otherwise it
/// checks at once.
public struct SaslauthdDoor: DoorMachine {
    public struct Settings: Sendable {
        /// How long a client may take to deliver its request.
        public var readTimeout: TimeAmount
        /// How long to wait for a fifth field after four (zero: never wait).
        public var addressGrace: TimeAmount
        /// Whether a four-field request is worth waiting for its address (its route has a
        /// backend that uses the client's address). Asked only when `addressGrace` is above zero.
        public var waitsForAddress: @Sendable (CheckRequest) -> Bool

        public init(readTimeout: TimeAmount, addressGrace: TimeAmount = .zero, waitsForAddress: @escaping @Sendable (CheckRequest) -> Bool = { _ in false }) {
            self.readTimeout = readTimeout
            self.addressGrace = addressGrace
            self.waitsForAddress = waitsForAddress
        }
    }

    /// More than any valid request holds (five fields of 256 bytes and their prefixes): input
    /// beyond it is refused without waiting for the rest.
    public static let maxRequestBytes = 5 * (2 + SaslauthdCodec.maxFieldLength) + 2

    enum State: Sendable {
        case reading
        /// Four fields are in; a fifth may follow within the grace period.
        case awaitingAddress(CheckRequest)
        case checking
        case done
    }

    public let settings: Settings
    private let allocator: ByteBufferAllocator
    private(set) var state = State.reading
    private var buffer: ByteBuffer
    private var actions = DoorActions()

    public init(settings: Settings, allocator: ByteBufferAllocator) {
        self.settings = settings
        self.allocator = allocator
        // Nothing is allocated until a request needs keeping: most arrive whole in one read and
        // are judged where they lie (see `receive`).
        self.buffer = ByteBuffer()
    }

    /// The three answers to a finished check, encoded once.
    private static let answers: (ok: ByteBuffer, failed: ByteBuffer, unavailable: ByteBuffer) = (
        encoded("OK"), encoded("NO authentication failed"), encoded("NO temporarily unavailable")
    )

    private static func encoded(_ text: String) -> ByteBuffer {
        var out = ByteBuffer()
        SaslauthdCodec.encodeAnswer(text, into: &out)
        return out
    }

    public var isIdle: Bool {
        if case .reading = state { return true }
        return false
    }

    public var isOneShot: Bool { true }

    public mutating func start() {
        actions.append(.timer(settings.readTimeout))
    }

    public mutating func receive(_ bytes: ByteBuffer) {
        switch state {
        case .reading, .awaitingAddress:
            break
        case .checking, .done:
            // Nothing more is read once the request is whole: one request per connection.
            return
        }
        var chunk = bytes
        guard buffer.readableBytes + chunk.readableBytes <= Self.maxRequestBytes else {
            refuse(SaslauthdRequestError.trailingBytes.reason)
            return
        }
        guard buffer.readableBytes == 0 else {
            buffer.writeBuffer(&chunk)
            evaluate(buffer)
            return
        }
        // A request that arrives whole (nearly all do) is decoded from the caller's bytes, which
        // the caller wipes; only one still on its way is copied, into a buffer of our own.
        if !evaluate(chunk) {
            buffer = allocator.buffer(capacity: max(256, chunk.readableBytes))
            buffer.writeBuffer(&chunk)
        }
    }

    /// Acts on what has arrived, `input`; false when it must be kept for more bytes (a request
    /// still incomplete, or four fields waiting for a fifth).
    @discardableResult
    private mutating func evaluate(_ input: ByteBuffer) -> Bool {
        let scan = SaslauthdCodec.scan(input)
        switch (state, scan) {
        case (_, .fieldTooLong(let field)):
            refuse(SaslauthdRequestError.fieldTooLong(field: field).reason)
        case (_, .trailingBytes):
            refuse(SaslauthdRequestError.trailingBytes.reason)
        case (.reading, .fourFields):
            switch SaslauthdCodec.decodeRequest(input, fieldCount: 4) {
            case .failure(let error): refuse(error.reason)
            case .success(let request):
                if settings.addressGrace > .zero && settings.waitsForAddress(request) {
                    state = .awaitingAddress(request)
                    actions.append(.timer(settings.addressGrace))
                    return false
                }
                check(request)
            }
        case (_, .fiveFields):
            switch SaslauthdCodec.decodeRequest(input, fieldCount: 5) {
            case .failure(let error): refuse(error.reason)
            case .success(let request): check(request)
            }
        case (_, .incomplete), (_, .fourFields):
            return false
        }
        return true
    }

    public mutating func inputEnded() {
        endOfRequest()
    }

    public mutating func timerFired() {
        endOfRequest()
    }

    /// No more bytes will come (the read deadline or the grace period passed, or the client shut
    /// down its side): answer with what there is.
    private mutating func endOfRequest() {
        switch state {
        case .reading:
            if buffer.readableBytes == 0 {
                finish()
            } else {
                refuse(SaslauthdRequestError.incomplete.reason)
            }
        case .awaitingAddress(let request):
            check(request)
        case .checking, .done:
            return
        }
    }

    public mutating func finished(_ id: RequestID, _ verdict: DoorVerdict) {
        guard case .checking = state else { return }
        switch verdict.result {
        case .ok: answer(Self.answers.ok)
        case .failed: answer(Self.answers.failed)
        case .unavailable: answer(Self.answers.unavailable)
        }
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

    private mutating func check(_ request: CheckRequest) {
        state = .checking
        buffer.wipe()
        actions.append(.timer(nil))
        actions.append(.check(.only, request))
    }

    private mutating func refuse(_ reason: String) {
        actions.append(.refused(reason))
        answer(Self.encoded("NO \(reason)"))
    }

    private mutating func answer(_ encoded: ByteBuffer) {
        state = .done
        buffer.wipe()
        actions.append(.timer(nil))
        actions.append(.send(encoded))
        actions.append(.close)
    }

    /// Ends the connection without an answer: nothing was asked.
    private mutating func finish() {
        state = .done
        buffer.wipe()
        actions.append(.timer(nil))
        actions.append(.close)
    }
}
