import AuthCore
import AuthWire
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// One accepted connection, whatever its front door: the door's state machine, the socket under
/// it, and the one way the machine's actions are carried out. This is the only place a request
/// is checked, answered and logged.
///
/// A connection starts on the accept thread that accepted it, as a bare socket: the thread reads
/// what has arrived, and when the machine asks for a check that the engine can settle without
/// blocking (a cache hit, an unchanged sasldb), writes the answer and closes right there; a
/// refusal likewise. A check that needs a backend's threads (PAM, LDAP) is answered from the
/// thread that finished it, on the same socket. Only a connection whose machine still waits for
/// bytes (a request on its way, the drain after a pwcheck answer, any door that keeps its
/// connection) is handed to SwiftNIO, and from then on the same session runs on that channel's
/// event loop. A failure's answer waits its delay on an event loop's timer, never a thread.
///
/// Entry points may come from the accept thread, a backend's thread and an event loop, but
/// never at once: a machine asks for a check only when it needs no more input to answer it, and
/// a socket is handed to SwiftNIO only when no check is in flight. The lock makes that hand-over
/// of state between threads explicit; nothing blocks while it is held.
final class DoorSession<Machine: DoorMachine>: @unchecked Sendable {
    /// Where the session's bytes go.
    private enum Transport {
        /// Served by the thread that holds it (an accept thread, or the backend thread that
        /// answers).
        case socket(CInt)
        /// Being made into a channel.
        case handingOff
        case channel(any Channel)
        case closed
    }

    /// How long an accept thread waits for a client that connected but has not written yet
    /// before handing the connection to SwiftNIO. libsasl2 writes right after connecting, so
    /// this covers only the client being scheduled; a silent client costs an accept thread at
    /// most this, once.
    static var patience: Int32 { 1 }  // milliseconds, poll(2)'s unit
    /// The most one read takes from the socket on the accept thread: any valid request of the
    /// one-shot doors fits (saslauthd's largest is 1,292 bytes, authdaemond's 2,050); a longer
    /// one is finished by SwiftNIO.
    static var readSize: Int { 4096 }

    private let context: ServerContext
    /// The engine and limits the connection was accepted under; a reload does not change them.
    private let current: ActiveEngine.Current
    private let protocolName: ListenerProtocol
    private let accepted: NIODeadline
    private let lock = NIOLock()
    // Guarded by `lock`.
    private var machine: Machine
    private var transport: Transport
    private var inFlight: [RequestID: Check] = [:]
    /// A timer armed while the socket was on an accept thread, armed for real after the hand-off.
    private var pendingTimer: NIODeadline?
    private var timer: Scheduled<Void>?
    private var ended = false
    private var trackerID: UInt64 = 0

    init(machine: Machine, fd: CInt, context: ServerContext, current: ActiveEngine.Current, protocolName: ListenerProtocol) {
        self.machine = machine
        self.transport = .socket(fd)
        self.context = context
        self.current = current
        self.protocolName = protocolName
        self.accepted = .now()
        trackerID = context.tracker.opened { [weak self] in self?.quiesce() }
    }

    // MARK: On the accept thread

    /// Serves the connection on the calling accept thread for as long as that needs no waiting.
    func serveOnAcceptThread() {
        let oneShot = lock.withLock {
            machine.start()
            return machine.isOneShot
        }
        pump()
        guard oneShot else { return settle() }
        guard case .socket(let fd) = lock.withLock({ transport }) else { return }
        var buffer = WipingAllocator.allocator.buffer(capacity: Self.readSize)
        var received = read(fd, into: &buffer)
        if received == 0 && readError(errno) == .wouldBlock {
            var waiting = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&waiting, 1, Self.patience) > 0 { received = read(fd, into: &buffer) }
        }
        if received > 0 {
            lock.withLock { machine.receive(buffer) }
            buffer.wipe()
            pump()
        } else if received == 0 && readError(errno) != .wouldBlock {
            lock.withLock { machine.inputEnded() }
            pump()
        }
        settle()
    }

    private enum ReadError { case wouldBlock, other }

    private func readError(_ code: CInt) -> ReadError {
        code == EAGAIN || code == EWOULDBLOCK ? .wouldBlock : .other
    }

    /// One non-blocking read; the count, 0 with `errno` set when nothing came (0 with errno 0
    /// at the end of input).
    private func read(_ fd: CInt, into buffer: inout ByteBuffer) -> Int {
        errno = 0
        return buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.readSize) { raw -> Int in
            let count = recv(fd, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT))
            if count == 0 { errno = 0 }
            return max(count, 0)
        }
    }

    /// After the accept thread (or a backend's) has done what it can: a socket whose machine
    /// waits for more bytes, with no check in flight, goes to SwiftNIO.
    private func settle() {
        let fd = lock.withLock { () -> CInt? in
            guard case .socket(let fd) = transport, inFlight.isEmpty else { return nil }
            transport = .handingOff
            return fd
        }
        if let fd { handOff(fd) }
    }

    private func handOff(_ fd: CInt) {
        context.counters.add(.handedToEventLoop)
        let loop = context.group.next()
        ClientBootstrap(group: loop)
            .channelOption(.allowRemoteHalfClosure, value: true)
            // Receive buffers hold the password: wiped when freed or moved.
            .channelOption(.allocator, value: WipingAllocator.allocator)
            // Clients write the whole request at once: one read per readiness event.
            .channelOption(.maxMessagesPerRead, value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DoorChannelHandler(session: self))
                }
            }
            .withConnectedSocket(fd)
            .whenFailure { error in
                // SwiftNIO closed the socket; the client sees its connection end unanswered.
                self.context.logger.warning("cannot serve an accepted connection", metadata: ["error": "\(error)"])
                self.lock.withLock { self.transport = .closed }
                self.end()
            }
    }

    // MARK: On the channel's event loop

    /// The channel now carries the session (called from its handler, on its event loop).
    func adopt(_ channel: any Channel) {
        let (deadline, oneShot) = lock.withLock { () -> (NIODeadline?, Bool) in
            transport = .channel(channel)
            defer { pendingTimer = nil }
            return (pendingTimer, machine.isOneShot)
        }
        if let deadline { arm(at: deadline, on: channel) }
        if !oneShot {
            // Doors that keep their connection start on the channel.
            pump()
        }
        updateIdle()
    }

    func received(_ bytes: ByteBuffer) {
        lock.withLock { machine.receive(bytes) }
        pump()
        updateIdle()
    }

    func inputEnded() {
        lock.withLock { machine.inputEnded() }
        pump()
    }

    func channelClosed() {
        let timer = lock.withLock { () -> Scheduled<Void>? in
            transport = .closed
            machine.wipe()
            defer { self.timer = nil }
            return self.timer
        }
        timer?.cancel()
        end()
    }

    private func quiesce() {
        // A connection on an accept thread or a backend's is being answered; only one that
        // waits on a channel can be asked to give up its wait.
        guard case .channel(let channel) = lock.withLock({ transport }) else { return }
        channel.eventLoop.execute {
            self.lock.withLock { self.machine.quiesce() }
            self.pump()
        }
    }

    private func updateIdle() {
        let state = lock.withLock { () -> (any Channel, Bool)? in
            guard case .channel(let channel) = transport else { return nil }
            return (channel, machine.isIdle)
        }
        guard let (channel, idle) = state else { return }
        if idle {
            context.budget.markIdle(trackerID) { channel.close(promise: nil) }
        } else {
            context.budget.markBusy(trackerID)
        }
    }

    // MARK: Actions

    /// Takes every action the machine has queued and carries them out, in order, outside the
    /// lock (a check may be answered on this very thread).
    private func pump() {
        var actions: [DoorAction] = []
        lock.withLock {
            while let action = machine.nextAction() { actions.append(action) }
        }
        for action in actions { perform(action) }
    }

    private func perform(_ action: DoorAction) {
        switch action {
        case .check(let id, let request):
            ask(id, request)
        case .cancel(let id):
            _ = lock.withLock { inFlight.removeValue(forKey: id) }
        case .refused(let reason):
            var metadata: Logger.Metadata = ["reason": "\(reason)"]
            if protocolName != .saslauthd { metadata["protocol"] = "\(protocolName.rawValue)" }
            context.logger.info("request refused", metadata: metadata)
            if case .socket = lock.withLock({ transport }) { context.counters.add(.refusedOnAcceptThread) }
        case .send(let bytes):
            switch lock.withLock({ transport }) {
            case .socket(let fd): Self.send(bytes, to: fd)
            case .channel(let channel): channel.writeAndFlush(bytes, promise: nil)
            case .handingOff, .closed: break
            }
        case .closeOutput:
            switch lock.withLock({ transport }) {
            case .socket(let fd): _ = shutdown(fd, Int32(SHUT_WR))
            case .channel(let channel): channel.close(mode: .output).whenFailure { _ in channel.close(promise: nil) }
            case .handingOff, .closed: break
            }
        case .close:
            close()
        case .timer(let duration):
            setTimer(duration)
        }
    }

    private func close() {
        let transport = lock.withLock { () -> Transport in
            let previous = self.transport
            if case .socket = previous { self.transport = .closed }
            return previous
        }
        switch transport {
        case .socket(let fd):
            Glibc.close(fd)
            lock.withLock { machine.wipe() }
            end()
        case .channel(let channel):
            // channelInactive ends the session.
            channel.close(promise: nil)
        case .handingOff, .closed:
            break
        }
    }

    private func setTimer(_ duration: TimeAmount?) {
        let deadline = duration.map { NIODeadline.now() + $0 }
        let (channel, previous) = lock.withLock { () -> ((any Channel)?, Scheduled<Void>?) in
            defer { timer = nil }
            guard case .channel(let channel) = transport else {
                pendingTimer = deadline
                return (nil, timer)
            }
            return (channel, timer)
        }
        previous?.cancel()
        if let channel, let deadline { arm(at: deadline, on: channel) }
    }

    private func arm(at deadline: NIODeadline, on channel: any Channel) {
        let scheduled = channel.eventLoop.scheduleTask(deadline: deadline) {
            self.lock.withLock { self.machine.timerFired() }
            self.pump()
            self.updateIdle()
        }
        lock.withLock { timer = scheduled }
    }

    /// One small answer on a fresh socket: it fits the send buffer whole. A client that has gone
    /// costs nothing (no SIGPIPE, error ignored).
    private static func send(_ bytes: ByteBuffer, to fd: CInt) {
        _ = bytes.withUnsafeReadableBytes { raw in
            Glibc.send(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
        }
    }

    // MARK: Checks

    /// The realm rules and the route, then the engine: at once when it can settle the check,
    /// from a backend's thread when it cannot.
    private func ask(_ id: RequestID, _ request: CheckRequest) {
        let engine = current.engine
        let prepared: PreparedCheck
        switch engine.prepare(request, recordSteps: context.traceNormalization) {
        case .failure(let error):
            lock.withLock { machine.rejected(id, reason: error.reason) }
            return pump()
        case .success(let value):
            prepared = value
        }
        if context.traceNormalization {
            for step in prepared.normalization.steps { context.logger.debug("normalize: \(step)") }
        }
        let check = engine.check(prepared)
        lock.withLock { inFlight[id] = check }
        if let decision = engine.settleNow(check) {
            return deliver(id, check, decision, onThisThread: .answeredOnAcceptThread)
        }
        engine.run(check) { decision in self.deliver(id, check, decision, onThisThread: .answeredFromBackendThread) }
    }

    /// Sends the answer now, or at its `holdUntil` from an event loop's timer. On a channel it
    /// is sent from the channel's own event loop; on a bare socket from the thread that has the
    /// decision (`onThisThread` says which kind, for the counters).
    private func deliver(_ id: RequestID, _ check: Check, _ decision: CheckDecision, onThisThread: ServingCounters.Counter) {
        let channel: (any Channel)? = lock.withLock {
            if case .channel(let channel) = transport { return channel }
            return nil
        }
        if let holdUntil = decision.holdUntil, holdUntil > .now() {
            let loop = channel?.eventLoop ?? context.group.next()
            loop.scheduleTask(deadline: holdUntil) { self.complete(id, check, decision, path: .answeredAfterDelay) }
        } else if let channel {
            channel.eventLoop.execute { self.complete(id, check, decision, path: nil) }
        } else {
            complete(id, check, decision, path: onThisThread)
        }
    }

    /// The answer-and-log step, the same for every door and every path.
    private func complete(_ id: RequestID, _ check: Check, _ decision: CheckDecision, path: ServingCounters.Counter?) {
        let outcome = decision.outcome
        context.logCheck(
            check: check, outcome: outcome, started: accepted, protocolName: protocolName == .saslauthd ? nil : protocolName,
            clientAddress: check.request.clientAddress?.text)
        let verdict = DoorVerdict(result: outcome.result.doorResult, user: check.identity.user, qualified: check.identity.qualified)
        let wanted = lock.withLock { () -> Bool in
            guard inFlight.removeValue(forKey: id) != nil else { return false }
            machine.finished(id, verdict)
            return true
        }
        if wanted {
            if let path { context.counters.add(path) }
            pump()
            settle()
            updateIdle()
        }
        decision.answered()
    }

    /// Gives back what the connection held: its slot in the budget, its place in the tracker.
    private func end() {
        let first = lock.withLock { () -> Bool in
            defer { ended = true }
            return !ended
        }
        guard first else { return }
        context.budget.markBusy(trackerID)
        context.budget.closed()
        context.tracker.closed(trackerID)
    }
}
