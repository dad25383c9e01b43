public import NIOCore

/// Dovecot's auth protocol (the client side Postfix's `smtpd_sasl_type = dovecot` and Exim's
/// `driver = dovecot` speak), as a state machine: one persistent connection, many requests,
/// several in flight at once, each answered when its check finishes.
///
/// The server's handshake goes out at once, before the client's arrives (Exim reads it first;
/// Dovecot 2.4 waiting for the client broke it); the client's `VERSION` must come before its
/// first `AUTH`. PLAIN and LOGIN are offered. Protocol violations (an unknown command or
/// mechanism, a duplicate id, a line over the cap, an `AUTH` without `service=`) disconnect, as
/// Dovecot does; a request that is merely wrong (bad base64, someone else's authzid, a NUL in a
/// name) gets `FAIL` with a reason and the connection goes on.
///
/// The read deadline applies between lines: to a line begun and not finished, and to a client
/// that owes an answer to a challenge. A connection with nothing pending may stay open as long
/// as its client likes (Postfix keeps one per smtpd process); under `max_connections` it is
/// idle and may be closed to make room.
public struct DovecotDoor: DoorMachine {
    public struct Settings: Sendable {
        public var readTimeout: TimeAmount
        /// `SPID`: the server's process id.
        public var serverPID: UInt32
        /// `COOKIE`: 32 hex digits, the same for every connection of this server.
        public var cookie: String
        /// Requests one connection may have open at once; past it a request gets a temporary
        /// `FAIL`. Postfix and Exim have one at a time.
        public var maxRequests: Int

        public init(readTimeout: TimeAmount, serverPID: UInt32, cookie: String, maxRequests: Int = Self.defaultMaxRequests) {
            self.readTimeout = readTimeout
            self.serverPID = serverPID
            self.cookie = cookie
            self.maxRequests = maxRequests
        }

        public static let defaultMaxRequests = 32
    }

    /// The longest line accepted, LF included: Dovecot's own limit.
    public static let maxLineBytes = 16_384

    /// What the door waits for on a request it has accepted.
    enum Pending {
        /// The engine's verdict.
        case checking
        /// PLAIN's message after an empty challenge.
        case plainMessage(Context)
        /// LOGIN's user name, then its password.
        case loginUser(Context)
        case loginPassword(Context, user: [UInt8])
    }

    /// What a request said about itself besides its credentials.
    struct Context {
        var service: [UInt8]
        var clientAddress: [UInt8]?
    }

    public let settings: Settings
    private let connectionID: UInt32
    private let allocator: ByteBufferAllocator
    private var buffer: ByteBuffer
    private var requests: [UInt32: Pending] = [:]
    private var versionSeen = false
    /// No more requests: the client has closed its side, or the server is stopping.
    private var ending = false
    private var closed = false
    private var timerArmed = false
    private var actions = DoorActions()

    /// - Parameter connectionID: `CUID`, unique among the server's connections.
    public init(settings: Settings, connectionID: UInt32, allocator: ByteBufferAllocator) {
        self.settings = settings
        self.connectionID = connectionID
        self.allocator = allocator
        self.buffer = ByteBuffer()
    }

    /// Postfix gives up on an answer after 10 s and reconnects; the throttle may ask for up to
    /// 15 s by default.
    public static var longestHold: TimeAmount? { .seconds(9) }

    public var isIdle: Bool { buffer.readableBytes == 0 && requests.isEmpty }
    public var isOneShot: Bool { false }

    /// Written straight into the buffer that is sent: once per connection, and for Exim's one
    /// check per connection an interpolated String cost more than the check's own parsing.
    public mutating func start() {
        var greeting = allocator.buffer(capacity: 160)
        greeting.writeStaticString("VERSION\t1\t2\n")
        for mechanism in DovecotMechanism.allCases {
            greeting.writeStaticString("MECH\t")
            greeting.writeString(mechanism.rawValue)
            greeting.writeStaticString("\tplaintext\n")
        }
        greeting.writeStaticString("SPID\t")
        greeting.writeString(String(settings.serverPID))
        greeting.writeStaticString("\nCUID\t")
        greeting.writeString(String(connectionID))
        greeting.writeStaticString("\nCOOKIE\t")
        greeting.writeString(settings.cookie)
        greeting.writeStaticString("\nDONE\n")
        actions.append(.send(greeting))
    }

    public mutating func receive(_ bytes: ByteBuffer) {
        guard !closed else { return }
        if buffer.readableBytes == 0 {
            // No line begun earlier: the lines are read from the caller's bytes, which the
            // caller wipes, and only an unfinished one is copied into a buffer of our own (a
            // copy per request cost an allocation and a wipe, for Postfix's one line at a time).
            var input = bytes
            actOnLines(in: &input)
            guard !closed else { return }
            if input.readableBytes > 0 {
                buffer = allocator.buffer(capacity: max(512, input.readableBytes))
                buffer.writeBuffer(&input)
            }
        } else {
            // The line begun earlier and what follows it, out of `buffer` while lines are acted
            // on (which may wipe the door), and back after.
            var chunk = bytes
            var pending = buffer
            buffer = ByteBuffer()
            pending.writeBuffer(&chunk)
            actOnLines(in: &pending)
            buffer = pending
            guard !closed else { return buffer.wipe() }
            keepOnlyTheUnfinishedLine()
        }
        if buffer.readableBytes >= Self.maxLineBytes { return violation("a line longer than \(Self.maxLineBytes) bytes") }
        armTimer(restart: true)
    }

    /// Acts on every whole line in `input`, moving past each; stops at a violation.
    private mutating func actOnLines(in input: inout ByteBuffer) {
        while !closed, let newline = input.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - input.readerIndex
            guard length < Self.maxLineBytes else { return violation("a line longer than \(Self.maxLineBytes) bytes") }
            var line = input.readableBytesView[input.readerIndex..<newline]
            // A CR before the LF is tolerated: a CR inside a field is always escaped.
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            act(on: DovecotLine.parse(line))
            // A violation has wiped what the door held: nothing is left to step over.
            guard !closed else { return }
            input.moveReaderIndex(forwardBy: length + 1)
        }
    }

    public mutating func inputEnded() {
        guard !closed else { return }
        ending = true
        // Nothing more will come: an unfinished line is dropped, challenges go unanswered.
        buffer.wipe()
        failWaitingForClient(reason: "the client closed the connection", temporary: false)
        closeWhenDone()
    }

    public mutating func timerFired() {
        guard !closed else { return }
        timerArmed = false
        if buffer.readableBytes > 0 { return violation("a line not finished within the read timeout") }
        failWaitingForClient(reason: "no answer to the challenge within the read timeout", temporary: false)
        closeWhenDone()
        armTimer(restart: false)
    }

    public mutating func finished(_ id: RequestID, _ verdict: DoorVerdict) {
        guard takeChecking(id) else { return }
        // `user=` on a failure too, as Dovecot sends it: Postfix logs it as sasl_username, which
        // is what fail2ban and an administrator look for.
        let user = verdict.qualified.bytes
        let unavailable: StaticString = "\tcode=temp_fail\treason=temporarily unavailable"
        let most = 5 + 10 + 6 + 2 * user.count + unavailable.utf8CodeUnitCount + 1
        var line = allocator.buffer(capacity: most)
        // Formatted in place, in one write: one answer per request, and each of the six
        // ByteBuffer writes it took before cost about 250 instructions of generic code.
        line.writeWithUnsafeMutableBytes(minimumWritableBytes: most) { out in
            var at = Self.put(verdict.result == .ok ? "OK\t" : "FAIL\t", into: out, at: 0)
            at = Self.putDecimal(id.value, into: out, at: at)
            at = Self.put("\tuser=", into: out, at: at)
            at = user.withUnsafeBytes { DovecotEscaping.escape($0, into: out, at: at) }
            if verdict.result == .unavailable { at = Self.put(unavailable, into: out, at: at) }
            out[at] = UInt8(ascii: "\n")
            return at + 1
        }
        actions.append(.send(line))
        closeWhenDone()
    }

    private static func put(_ text: StaticString, into out: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        (out.baseAddress! + offset).copyMemory(from: text.utf8Start, byteCount: text.utf8CodeUnitCount)
        return offset + text.utf8CodeUnitCount
    }

    private static func putDecimal(_ value: UInt32, into out: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        var remaining = value
        for position in stride(from: offset + digits - 1, through: offset, by: -1) {
            out[position] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
        }
        return offset + digits
    }

    public mutating func rejected(_ id: RequestID, reason: String) {
        guard takeChecking(id) else { return }
        fail(id.value, reason: reason, temporary: false)
        closeWhenDone()
    }

    /// Forgets request `id` if it is waiting for its check, with one look-up; false, leaving it
    /// as it was, for any other (cancelled, or still talking to its client).
    private mutating func takeChecking(_ id: RequestID) -> Bool {
        guard !closed, let pending = requests.removeValue(forKey: id.value) else { return false }
        guard case .checking = pending else {
            requests[id.value] = pending
            return false
        }
        return true
    }

    public mutating func quiesce() {
        guard !closed else { return }
        ending = true
        failWaitingForClient(reason: "the server is shutting down", temporary: true)
        closeWhenDone()
    }

    public mutating func nextAction() -> DoorAction? {
        actions.pop()
    }

    public mutating func wipe() {
        buffer.wipe()
        for (id, pending) in requests {
            if case .loginPassword(let context, var user) = pending {
                user.wipe()
                requests[id] = .loginPassword(context, user: user)
            }
        }
    }

    // MARK: Lines

    private mutating func act(on line: DovecotLine) {
        switch line {
        case .empty, .cpid:
            break
        case .version(let supported):
            guard supported else { return violation("an unsupported protocol version") }
            versionSeen = true
        case .violation(let what):
            violation(what)
        case .auth(let request):
            begin(request)
        case .cont(let id, let data):
            continueRequest(id, data)
        case .cancel(let id):
            switch requests.removeValue(forKey: id) {
            case .checking: actions.append(.cancel(RequestID(id)))
            case .some(.loginPassword(_, var user)): user.wipe()
            default: break
            }
            closeWhenDone()
        }
    }

    private mutating func begin(_ request: DovecotAuthRequest) {
        guard versionSeen else { return violation("AUTH before VERSION") }
        guard requests[request.id] == nil else { return violation("a duplicate request id \(request.id)") }
        guard let service = request.service else { return violation("AUTH without service=") }
        if ending { return fail(request.id, reason: "the server is shutting down", temporary: true) }
        guard requests.count < settings.maxRequests else {
            return fail(request.id, reason: "more than \(settings.maxRequests) requests at once on one connection", temporary: true)
        }
        let context = Context(service: service, clientAddress: request.clientAddress)
        switch request.mechanism {
        case .plain:
            guard let response = request.response else {
                requests[request.id] = .plainMessage(context)
                return challenge(request.id, [])
            }
            plain(request.id, context, base64: response)
        case .login:
            guard let response = request.response else {
                requests[request.id] = .loginUser(context)
                return challenge(request.id, Array("Username:".utf8))
            }
            // An initial response to LOGIN is the user name (as Dovecot takes it).
            loginUser(request.id, context, base64: response)
        }
    }

    private mutating func continueRequest(_ id: UInt32, _ data: ByteBufferView) {
        switch requests.removeValue(forKey: id) {
        case nil:
            // Cancelled, timed out or never begun: the client learns it has nothing to wait for.
            fail(id, reason: "no such request", temporary: false)
        case .checking:
            requests[id] = .checking
            violation("CONT for request \(id), which expects no answer")
        case .plainMessage(let context):
            plain(id, context, base64: data)
        case .loginUser(let context):
            loginUser(id, context, base64: data)
        case .loginPassword(let context, var user):
            if let password = decode(id, data) {
                defer { Self.release(password) }
                check(id, context, login: user, password: UnsafeRawBufferPointer(password))
            }
            user.wipe()
        }
    }

    /// PLAIN's message: authzid NUL authcid NUL password.
    private mutating func plain(_ id: UInt32, _ context: Context, base64: ByteBufferView) {
        guard let decoded = decode(id, base64) else { return }
        defer { Self.release(decoded) }
        let message = UnsafeRawBufferPointer(decoded)
        guard let first = message.firstIndex(of: 0),
            let second = message[(first + 1)...].firstIndex(of: 0)
        else { return fail(id, reason: "a PLAIN message without its two NUL separators", temporary: false) }
        let authzid = message[..<first]
        let authcid = message[(first + 1)..<second]
        // Logging in as someone else is master-user business, which authmux does not offer.
        guard authzid.isEmpty || authzid.elementsEqual(authcid) else {
            return fail(id, reason: "an authorization identity other than the login", temporary: false)
        }
        check(id, context, login: authcid, password: UnsafeRawBufferPointer(rebasing: message[(second + 1)...]))
    }

    private mutating func loginUser(_ id: UInt32, _ context: Context, base64: ByteBufferView) {
        guard let decoded = decode(id, base64) else { return }
        let user = Array(decoded)
        Self.release(decoded)
        requests[id] = .loginPassword(context, user: user)
        challenge(id, Array("Password:".utf8))
    }

    /// The bytes `base64` stands for, in memory of their own that `release` wipes and frees;
    /// nil, with the request failed, for a bad encoding.
    private mutating func decode(_ id: UInt32, _ base64: ByteBufferView) -> UnsafeMutableRawBufferPointer? {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: max(SASLBase64.maxDecodedCount(base64.count), 1), alignment: 1)
        // Decoded from the view's contiguous bytes: through ByteBufferView's subscript every
        // character paid a bounds check and a storage load.
        let decoded = base64.withContiguousStorageIfAvailable { SASLBase64.decode($0, into: scratch) } ?? SASLBase64.decode(base64, into: scratch)
        guard let count = decoded else {
            // Quads decoded before the bad one may hold the start of a password.
            Self.release(scratch)
            fail(id, reason: "invalid base64", temporary: false)
            return nil
        }
        return UnsafeMutableRawBufferPointer(rebasing: scratch[0..<count])
    }

    private static func release(_ decoded: UnsafeMutableRawBufferPointer) {
        Secret.wipe(decoded)
        decoded.deallocate()
    }

    private mutating func check<Login: Collection>(_ id: UInt32, _ context: Context, login: Login, password: UnsafeRawBufferPointer)
    where Login.Element == UInt8 {
        switch CheckRequest.validate(login: login, password: password, service: context.service, realm: [UInt8](), clientAddress: context.clientAddress) {
        case .failure(let refusal):
            fail(id, reason: refusal.reason, temporary: false)
        case .success(let request):
            requests[id] = .checking
            actions.append(.check(RequestID(id), request))
        }
    }

    // MARK: Answers

    private mutating func challenge(_ id: UInt32, _ text: [UInt8]) {
        var line = Array("CONT\t\(id)\t".utf8)
        SASLBase64.encode(text, into: &line)
        line.append(UInt8(ascii: "\n"))
        actions.append(.send(allocator.buffer(bytes: line)))
    }

    private mutating func fail(_ id: UInt32, reason: String, temporary: Bool) {
        actions.append(.refused(reason))
        var line = Array("FAIL\t\(id)".utf8)
        if temporary { line += Array("\tcode=temp_fail".utf8) }
        line += Array("\treason=".utf8)
        DovecotEscaping.escape(reason.utf8, into: &line)
        line.append(UInt8(ascii: "\n"))
        actions.append(.send(allocator.buffer(bytes: line)))
    }

    private mutating func failWaitingForClient(reason: String, temporary: Bool) {
        for (id, pending) in requests.sorted(by: { $0.key < $1.key }) {
            switch pending {
            case .checking:
                continue
            case .loginPassword(_, var user):
                user.wipe()
            case .plainMessage, .loginUser:
                break
            }
            requests[id] = nil
            fail(id, reason: reason, temporary: temporary)
        }
    }

    /// Disconnects a client that broke the protocol; checks in flight are dropped.
    private mutating func violation(_ what: String) {
        actions.append(.refused("protocol violation: \(what)"))
        closeNow()
    }

    private mutating func closeWhenDone() {
        if ending && requests.isEmpty { closeNow() }
    }

    private mutating func closeNow() {
        guard !closed else { return }
        closed = true
        for (id, pending) in requests {
            if case .checking = pending { actions.append(.cancel(RequestID(id))) }
        }
        wipe()
        requests = [:]
        if timerArmed { actions.append(.timer(nil)) }
        actions.append(.close)
    }

    /// The deadline runs while a line is unfinished or a challenge unanswered; `restart` moves
    /// it on (bytes arrived).
    private mutating func armTimer(restart: Bool) {
        guard !closed else { return }
        let waitingForClient = buffer.readableBytes > 0 || requests.values.contains { if case .checking = $0 { false } else { true } }
        if waitingForClient && (restart || !timerArmed) {
            timerArmed = true
            actions.append(.timer(settings.readTimeout))
        } else if !waitingForClient && timerArmed {
            timerArmed = false
            actions.append(.timer(nil))
        }
    }

    /// Drops the lines acted on: wiped, and the unfinished one (if any) moved to a fresh buffer.
    private mutating func keepOnlyTheUnfinishedLine() {
        guard buffer.readerIndex > 0 else { return }
        if buffer.readableBytes == 0 {
            buffer.wipe()
            return
        }
        var rest = allocator.buffer(capacity: max(512, buffer.readableBytes))
        rest.writeBytes(buffer.readableBytesView)
        buffer.wipe()
        buffer = rest
    }
}

extension [UInt8] {
    /// Overwrites the array's bytes in place (a user name a client sent in a LOGIN exchange).
    mutating func wipe() {
        withUnsafeMutableBytes { Secret.wipe($0) }
    }
}
