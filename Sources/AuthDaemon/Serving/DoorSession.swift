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
/// thread that finished it, on the same socket. A door that keeps its connection (Dovecot's) is
/// served the same way while its client keeps writing without a pause, and closed there when
/// the client hangs up. Only a connection whose machine still waits for bytes (a request on its
/// way, the drain after a pwcheck answer, a kept connection gone quiet) is handed to SwiftNIO,
/// and from then on the same session runs on that channel's event loop. A failure's answer
/// waits its delay on an event loop's timer, never a thread.
///
/// Events reach the machine from the accept thread, a backend's thread, a timer and an event
/// loop. Whoever gives the machine an event also takes the *pump*, in the same critical section,
/// unless another thread holds it: the holder carries out every action the machine queues,
/// in order, until none is left, and only then lets go. So actions are never performed by two
/// threads at once or out of order (an answer can never be overtaken by its connection's
/// close), and the socket is handed to SwiftNIO only while nobody holds the pump and no check is
/// in flight: never between an answer's arrival and its sending. Nothing blocks while the lock
/// is held.
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

    private let context: ServerContext
    /// The engine and limits the connection was accepted under; a reload does not change them.
    private let current: ActiveEngine.Current
    private let protocolName: ListenerProtocol
    /// The listener's count of open connections, given back when the connection ends.
    private let tally: ListenerConnections?
    /// The listener's slots for busy kept connections (a Dovecot listener's), see
    /// `serveOnAcceptThread`.
    private let held: HeldConnections?
    private let accepted: NIODeadline
    /// The door carries one request per connection (`DoorMachine.isOneShot`, fixed per door).
    private let oneShot: Bool
    private let lock = NIOLock()
    // Guarded by `lock`. Unchecked exclusivity: the lock is what serializes access, and the
    // runtime's dynamic checks on each of these cost more per connection than the lock does.
    @exclusivity(unchecked) private var machine: Machine
    @exclusivity(unchecked) private var transport: Transport
    @exclusivity(unchecked) private var inFlight = InFlightChecks()
    /// A thread is carrying out the machine's actions (see the type's comment).
    @exclusivity(unchecked) private var pumping = false
    /// A timer armed while the socket was on an accept thread, armed for real after the hand-off.
    @exclusivity(unchecked) private var pendingTimer: NIODeadline?
    @exclusivity(unchecked) private var timer: Scheduled<Void>?
    @exclusivity(unchecked) private var ended = false
    /// Registered with the tracker (and its id there): only once the connection outlives its
    /// accept thread, so one answered on the spot costs the tracker nothing.
    @exclusivity(unchecked) private var trackerID: UInt64?
    /// Its standing among the idle connections, once it is on a channel (registered with the
    /// budget under `trackerID`, so unregistered when it ends).
    @exclusivity(unchecked) private var idleMark: IdleMark?
    /// Answers sent whose log line is still being written, and whether the connection ended
    /// meanwhile (its place in the tracker is then given back after the line).
    @exclusivity(unchecked) private var completing = 0
    @exclusivity(unchecked) private var trackerClosePending = false
    /// The accept thread is reading the socket: nobody else hands it to SwiftNIO meanwhile (the
    /// accept thread does when it stops, see `serveOnAcceptThread`).
    @exclusivity(unchecked) private var servingOnAcceptThread = false
    /// A check the pump's holder took from the machine and left for the pump's loop (see
    /// `performUpToNextCheck`): the next action, before the machine's own.
    @exclusivity(unchecked) private var heldBack: DoorAction?
    /// Answer bytes the bare socket could not take (see `sendOnSocket`), for the channel to
    /// write first, and the close the machine asked for after them.
    @exclusivity(unchecked) private var unsent: ByteBuffer?
    @exclusivity(unchecked) private var endAfterUnsent: DoorAction?
    /// Checks asked on this connection: the second shows a client that stays (see
    /// `serveOnAcceptThread`).
    @exclusivity(unchecked) private var asked = 0

    init(
        machine: Machine, fd: CInt, context: ServerContext, current: ActiveEngine.Current, protocolName: ListenerProtocol,
        tally: ListenerConnections? = nil, held: HeldConnections? = nil
    ) {
        self.machine = machine
        self.transport = .socket(fd)
        self.context = context
        self.current = current
        self.protocolName = protocolName
        self.tally = tally
        self.held = held
        self.accepted = .now()
        self.oneShot = machine.isOneShot
    }

    // MARK: Events and the pump

    /// Gives the machine an event and takes the pump if it is free, in one critical section,
    /// then carries out the actions (when this thread took the pump).
    private func feed(_ event: (inout Machine) -> Void) {
        let took = lock.withLock { () -> Bool in
            event(&machine)
            guard !pumping else { return false }
            pumping = true
            return true
        }
        if took { runPump() }
    }

    /// Performs the machine's actions one by one until it has none, then lets go of the pump in
    /// the same critical section that found the queue empty.
    private func runPump() {
        while let action = lock.withLock({ () -> DoorAction? in
            if let action = takeAction() { return action }
            pumping = false
            return nil
        }) {
            perform(action)
        }
    }

    /// The next action to carry out. Called with the lock held, by the pump's holder.
    private func takeAction() -> DoorAction? {
        guard let action = heldBack else { return machine.nextAction() }
        heldBack = nil
        return action
    }

    /// Called by the pump's holder while it carries out a check it settled at once: carries out
    /// what the machine queued before its next check (the answer just queued, a close), so that
    /// the answer is out before the check's line is written. The next check stays for the
    /// pump's loop rather than run inside this one.
    private func performUpToNextCheck() {
        while let action = lock.withLock({ () -> DoorAction? in
            guard let action = takeAction() else { return nil }
            if case .check = action {
                heldBack = action
                return nil
            }
            return action
        }) {
            perform(action)
        }
    }

    /// Registers the connection with the tracker, before it leaves the thread serving it (to a
    /// backend's thread, a timer or SwiftNIO), so a graceful shutdown waits for it.
    private func track() {
        let needed = lock.withLock { () -> Bool in
            guard trackerID == nil, !ended else { return false }
            trackerID = 0
            return true
        }
        guard needed else { return }
        let id = context.tracker.opened { [weak self] in self?.quiesce() }
        let endedMeanwhile = lock.withLock { () -> Bool in
            trackerID = id
            return ended
        }
        if endedMeanwhile { context.tracker.closed(id) }
    }

    // MARK: On the accept thread

    /// Serves the connection on the calling accept thread for as long as that needs no waiting
    /// beyond `acceptPatience` per read, or the thread holds the connection. `scratch` is the
    /// thread's read buffer, wiped before this returns.
    ///
    /// A one-shot door reads once. A door that keeps its connection reads on while each read
    /// brings something and no check is in flight, up to `persistentReads`: a client that asks
    /// once and hangs up (Exim on Dovecot's protocol) is then greeted, answered and closed here,
    /// without the SwiftNIO channel that cost more than half of its check's instructions; one
    /// that stays (Postfix) goes to SwiftNIO after at most one patience of silence. Once its
    /// client has asked a second time (it stays and asks on), or has spoken and is slower than
    /// the patience to write again, the thread holds the connection if the listener has a slot
    /// free (`HeldConnections`): it then sleeps in `recv` for the next request, for as long
    /// as requests come within `holdPatience` of each other and each is settled at once.
    ///
    /// The read deadline stays the machine's: it moves on with every byte received, and a held
    /// read waits at most the shorter of `holdPatience` and the read timeout, so no deadline
    /// can pass while a thread holds the connection; the deadline armed meanwhile is armed for
    /// real on the channel (see `setTimer`).
    ///
    /// Returns false when the thread held the connection and so gave its turn at accepting to
    /// another (see `HeldConnections`).
    @discardableResult
    func serveOnAcceptThread(scratch: inout ByteBuffer) -> Bool {
        feed { $0.start() }
        lock.withLock { servingOnAcceptThread = true }
        var reads = 0
        var holding = false
        while holding || reads < (oneShot ? 1 : Self.persistentReads), let fd = readableSocket() {
            if holding, held?.isStopped ?? true { break }
            reads += 1
            scratch.clear()
            var outcome = read(fd, into: &scratch, waiting: holding)
            if outcome == .wouldBlock, !holding {
                var waiting = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&waiting, 1, context.acceptPatience) > 0 {
                    outcome = read(fd, into: &scratch, waiting: false)
                } else if reads > 1, startHolding(fd, afterRequests: 0) {
                    // It has spoken, but its next bytes (a request after the greeting or an
                    // answer, or its hang-up) take longer than the patience, as on a loaded
                    // machine: waited for here rather than on an event loop, which would keep a
                    // busy client for good. One silent from the start is not held.
                    holding = true
                    outcome = read(fd, into: &scratch, waiting: true)
                }
            }
            guard outcome == .received else {
                // A reset is as final as an orderly end. Nothing yet: the channel waits for the
                // rest under the read deadline.
                if outcome != .wouldBlock { feed { $0.inputEnded() } }
                break
            }
            feed { $0.receive(scratch) }
            scratch.wipe()
            // From its second request on: a client that asks once and hangs up is served as
            // before, its hang-up awaited in one short poll. Holding those after their first
            // request too cost clients that connect per check 9-15 % of their checks/s and a
            // fifth more p99.
            if !holding, startHolding(fd, afterRequests: 2) { holding = true }
        }
        if holding { held?.giveBack() }
        lock.withLock { servingOnAcceptThread = false }
        settle()
        return !holding
    }

    /// Takes a slot for the connection if its client has asked `afterRequests` times and one
    /// is free, and bounds its blocking reads from then on.
    private func startHolding(_ fd: CInt, afterRequests: Int) -> Bool {
        guard !oneShot, let held, lock.withLock({ asked >= afterRequests }), held.take() else { return false }
        limitWaits(on: fd)
        return true
    }

    /// Bounds a held connection's blocking reads (`SO_RCVTIMEO`): set once, so each read is
    /// one system call. SwiftNIO, which the connection goes to next, never blocks on it.
    private func limitWaits(on fd: CInt) {
        // At least 1 µs: a zero SO_RCVTIMEO would wait for ever.
        let patience = max(min(context.holdPatience, current.limits.readTimeout).nanoseconds / 1_000, 1)
        var limit = timeval(tv_sec: Int(patience / 1_000_000), tv_usec: Int(patience % 1_000_000))
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }

    /// The socket, while the accept thread may go on reading it: neither closed nor handed over,
    /// and no check in flight (whose answer a backend's thread may be writing).
    private func readableSocket() -> CInt? {
        lock.withLock {
            // Answers the socket could not take wait for SwiftNIO, and so does the next request.
            guard case .socket(let fd) = transport, inFlight.isEmpty, unsent == nil else { return nil }
            return fd
        }
    }

    /// Reads an accept thread makes on a connection that carries many requests: the client's
    /// greeting and first request (in one write or two) and its hang-up.
    private static var persistentReads: Int { 4 }

    private enum ReadOutcome { case received, ended, wouldBlock, failed }

    /// One read into `buffer`: at once (`waiting` false), or waiting up to the limit the held
    /// connection's socket was given (the accepted socket blocks; see `limitWaits`).
    private func read(_ fd: CInt, into buffer: inout ByteBuffer, waiting: Bool) -> ReadOutcome {
        var code: CInt = 0
        let count = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: DoorListener.readSize) { raw -> Int in
            var count: Int
            repeat {
                count = recv(fd, raw.baseAddress, raw.count, waiting ? 0 : Int32(MSG_DONTWAIT))
                // errno is taken right here: later runtime calls may change it.
                code = count < 0 ? errno : 0
            } while count < 0 && code == EINTR
            return max(count, 0)
        }
        if count > 0 { return .received }
        if code == 0 { return .ended }
        return code == EAGAIN || code == EWOULDBLOCK ? .wouldBlock : .failed
    }

    /// After a thread has done what it can: a socket whose machine waits for more bytes, with
    /// no check in flight and nobody carrying out actions, goes to SwiftNIO.
    private func settle() {
        let fd = lock.withLock { () -> CInt? in
            guard case .socket(let fd) = transport, inFlight.isEmpty, !pumping, !servingOnAcceptThread else { return nil }
            transport = .handingOff
            return fd
        }
        guard let fd else { return }
        track()
        handOff(fd)
    }

    private func handOff(_ fd: CInt) {
        context.counters.add(.handedToEventLoop)
        let loop = context.group.next()
        ClientBootstrap(group: loop)
            // ClientBootstrap sets TCP_NODELAY by default, which on a Unix socket costs a
            // getsockname per connection only to be skipped. enableMPTCP(true) is the one public
            // way to drop that default; MPTCP itself applies only to sockets the bootstrap
            // creates and connects, and this one arrives connected.
            .enableMPTCP(true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Set synchronously here rather than as bootstrap options, which are applied
                    // through a chain of futures: that chain was a third of a hand-off's cost.
                    guard let options = channel.syncOptions else { throw ChannelError.operationUnsupported }
                    try options.setOption(.allowRemoteHalfClosure, value: true)
                    // Receive buffers hold the password: wiped when freed or moved.
                    try options.setOption(.allocator, value: WipingAllocator.allocator)
                    // Clients write the whole request at once: one read per readiness event.
                    try options.setOption(.maxMessagesPerRead, value: 1)
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
        let (deadline, leftover) = lock.withLock { () -> (NIODeadline?, ByteBuffer?) in
            transport = .channel(channel)
            defer {
                pendingTimer = nil
                unsent = nil
                endAfterUnsent = nil
            }
            // The close the machine asked for goes after the answers the socket could not take:
            // it is the pump's next action (nobody holds the pump during a hand-off).
            if let endAfterUnsent { heldBack = endAfterUnsent }
            return (pendingTimer, unsent)
        }
        if let leftover { channel.writeAndFlush(leftover, promise: nil) }
        if let deadline { arm(at: deadline, on: channel) }
        if context.tracker.isQuiescing {
            // Handed over while the server stops: the tracker's request to finish found no
            // channel yet.
            feed { $0.quiesce() }
        } else if !oneShot || leftover != nil {
            // Whatever a door that keeps its connection queued while the socket was being
            // handed over (nothing, usually: its greeting went out from the accept thread), and
            // the close held back behind unsent answers.
            feed { _ in }
        }
        updateIdle()
    }

    func received(_ bytes: ByteBuffer) {
        feed { $0.receive(bytes) }
        updateIdle()
    }

    func inputEnded() {
        feed { $0.inputEnded() }
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
            self.feed { $0.quiesce() }
        }
    }

    private func updateIdle() {
        let state = lock.withLock { () -> (mark: IdleMark, idle: Bool)? in
            guard case .channel(let channel) = transport, let id = trackerID, id != 0, !ended else { return nil }
            if let idleMark { return (idleMark, machine.isIdle) }
            let mark = IdleMark { channel.close(promise: nil) }
            idleMark = mark
            // Under the session's lock, so `end` cannot miss it (the budget never calls back
            // into a session while it holds its own lock).
            context.budget.register(id, mark)
            return (mark, machine.isIdle)
        }
        guard let state else { return }
        if state.idle {
            context.budget.markIdle(state.mark)
        } else {
            context.budget.markBusy(state.mark)
        }
    }

    // MARK: Actions

    private func perform(_ action: DoorAction) {
        switch action {
        case .check(let id, let request):
            ask(id, request)
        case .cancel(let id):
            _ = lock.withLock { inFlight.remove(id) }
        case .refused(let reason):
            var metadata: Logger.Metadata = ["reason": "\(reason)"]
            if protocolName != .saslauthd { metadata["protocol"] = "\(protocolName.rawValue)" }
            context.logger.info("request refused", metadata: metadata)
            current.meter?.refusedInput(door: protocolName)
            if case .socket = lock.withLock({ transport }) { context.counters.add(.refusedOnAcceptThread) }
        case .send(let bytes):
            switch lock.withLock({ transport }) {
            case .socket(let fd): sendOnSocket(bytes, fd: fd)
            case .channel(let channel): channel.writeAndFlush(bytes, promise: nil)
            case .handingOff, .closed: break
            }
        case .closeOutput:
            switch lock.withLock({ transport }) {
            case .socket(let fd):
                if deferredBehindUnsent(action) { return }
                _ = shutdown(fd, Int32(SHUT_WR))
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
        let transport = lock.withLock { () -> Transport? in
            let previous = self.transport
            guard case .socket = previous else { return previous }
            // The answers the socket could not take go out from the channel first, then this.
            if unsent != nil {
                endAfterUnsent = .close
                return nil
            }
            self.transport = .closed
            return previous
        }
        switch transport {
        case nil:
            break
        case .socket(let fd):
            Glibc.close(fd)
            lock.withLock { machine.wipe() }
            end()
        case .channel(let channel):
            // channelInactive ends the session.
            closeAfterWrites(channel)
        case .handingOff, .closed:
            break
        }
    }

    /// Closes the channel once what was written to it has gone out: closing at once drops
    /// what the socket has not taken yet (answers to a client slow to read them, or to one
    /// that half-closed with answers pending). A client that reads nothing for the read
    /// timeout is closed all the same.
    private func closeAfterWrites(_ channel: any Channel) {
        let written = channel.eventLoop.makePromise(of: Void.self)
        channel.writeAndFlush(ByteBuffer(), promise: written)
        written.futureResult.whenComplete { _ in channel.close(promise: nil) }
        // Written at once, as usual: closed already.
        guard channel.isActive else { return }
        let timeout = channel.eventLoop.scheduleTask(in: current.limits.readTimeout) { channel.close(promise: nil) }
        written.futureResult.whenComplete { _ in timeout.cancel() }
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
            self.feed { $0.timerFired() }
            self.updateIdle()
        }
        lock.withLock { timer = scheduled }
    }

    /// Sends an answer on the bare socket without waiting. What the socket cannot take (a
    /// client that sends many requests and does not read their answers fills it) is kept, with
    /// every answer after it, for SwiftNIO to write once the connection is handed over (see
    /// `readableSocket` and `adopt`): an answer is never dropped or cut, and the thread never
    /// waits for a client to read. A client that has gone costs nothing (no SIGPIPE).
    /// Called by the pump's holder only, so answers go out in the machine's order.
    private func sendOnSocket(_ bytes: ByteBuffer, fd: CInt) {
        var bytes = bytes
        // Read without the lock: only the pump's holder sets `unsent` (here, and `adopt` clears
        // it when nobody holds the pump), and this is the pump's holder. The lock here cost a
        // saslauthd check about 340 instructions in 41,000.
        if unsent != nil {
            lock.withLock { _ = unsent?.writeBuffer(&bytes) }
            return
        }
        var code: CInt = 0
        let sent = bytes.withUnsafeReadableBytes { raw -> Int in
            var sent: Int
            repeat {
                sent = Glibc.send(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
                code = sent < 0 ? errno : 0
            } while sent < 0 && code == EINTR
            return sent
        }
        if sent == bytes.readableBytes { return }
        // Gone (the read side ends the connection): nothing to keep.
        if sent < 0, code != EAGAIN, code != EWOULDBLOCK { return }
        bytes.moveReaderIndex(forwardBy: max(sent, 0))
        lock.withLock { unsent = bytes }
    }

    /// Keeps the machine's end of the output for after the unsent answers, if there are any.
    private func deferredBehindUnsent(_ action: DoorAction) -> Bool {
        lock.withLock {
            guard unsent != nil else { return false }
            if endAfterUnsent == nil { endAfterUnsent = action }
            return true
        }
    }

    // MARK: Checks

    /// The realm rules and the route, then the engine: at once when it can settle the check,
    /// from a backend's thread when it cannot. Called while this thread holds the pump.
    private func ask(_ id: RequestID, _ request: CheckRequest) {
        let engine = current.engine
        let prepared: PreparedCheck
        switch engine.prepare(request, recordSteps: context.traceNormalization) {
        case .failure(let error):
            // Queued behind the pump this thread holds: performed when `ask` returns.
            return feed { $0.rejected(id, reason: error.reason) }
        case .success(let value):
            prepared = value
        }
        if context.traceNormalization {
            for step in prepared.normalization.steps { context.logger.debug("normalize: \(step)") }
        }
        let check = engine.check(prepared)
        // A connection that carries one request was accepted for it; on one that carries many,
        // each request's time starts when it arrived.
        let started = oneShot ? accepted : .now()
        lock.withLock {
            inFlight.insert(check, for: id)
            asked += 1
        }
        if let decision = engine.settleNow(check) {
            return deliver(id, check, decision, started: started, settledAtOnce: true)
        }
        track()
        engine.run(check) { decision in
            self.deliver(id, check, decision, started: started, settledAtOnce: false)
        }
    }

    /// Sends the answer now, or at its `holdUntil` from an event loop's timer. On a channel it
    /// is sent from the channel's own event loop; on a bare socket from the thread that has the
    /// decision. `settledAtOnce`: the engine decided while the thread that read the request
    /// held the pump (counted as answered on the accept thread when on a bare socket); otherwise
    /// a backend's thread has the decision.
    private func deliver(_ id: RequestID, _ check: Check, _ decision: CheckDecision, started: NIODeadline, settledAtOnce: Bool) {
        // The check's duration for metrics: up to its decision, not its failure delay.
        let took = current.meter == nil ? 0 : (NIODeadline.now() - started).nanoseconds
        let channel: (any Channel)? = lock.withLock {
            if case .channel(let channel) = transport { return channel }
            return nil
        }
        if let holdUntil = decision.holdUntil, holdUntil > .now() {
            track()
            let loop = channel?.eventLoop ?? context.group.next()
            let sendAt = Machine.longestHold.map { min(holdUntil, started + $0) } ?? holdUntil
            loop.scheduleTask(deadline: sendAt) {
                self.complete(id, check, decision, started: started, path: .answeredAfterDelay, took: took, releaseAt: holdUntil, on: loop)
            }
        } else if let channel, !channel.eventLoop.inEventLoop {
            channel.eventLoop.execute { self.complete(id, check, decision, started: started, path: .answeredOnEventLoop, took: took) }
        } else {
            // On a bare socket, or already on the channel's loop (a check settled at once while
            // its line was read): answered here. A task on the loop for it cost an allocation
            // and a queue round trip per request on a connection that carries many.
            let onThisThread: ServingCounters.Counter = settledAtOnce ? .answeredOnAcceptThread : .answeredFromBackendThread
            complete(id, check, decision, started: started, path: channel == nil ? onThisThread : .answeredOnEventLoop, took: took, inPump: settledAtOnce)
        }
    }

    /// The answer-and-log step, the same for every door and every path. `path`: the thread
    /// sending the answer, counted (`ServingCounters`). `releaseAt`: when the throttle's hold on the account ends, if later than now (an answer
    /// sent early for a client that would not wait for it). `inPump`: this thread holds the pump,
    /// so the answer would only be queued behind it; it is sent here first, as on every other
    /// path: the client need not wait for the line, about a fifth of a cache hit's instructions.
    private func complete(
        _ id: RequestID, _ check: Check, _ decision: CheckDecision, started: NIODeadline, path: ServingCounters.Counter,
        took: Int64, releaseAt: NIODeadline? = nil, on loop: (any EventLoop)? = nil, inPump: Bool = false
    ) {
        let outcome = decision.outcome
        // Before the answer can go out, so a client that has it sees it counted.
        current.meter?.record(door: protocolName, outcome: outcome, nanoseconds: took)
        let verdict = DoorVerdict(result: outcome.result.doorResult, user: check.identity.user, realm: check.identity.realm)
        // The connection's end waits for the log line below: a graceful shutdown must not exit
        // between an answer and its line.
        lock.withLock { completing += 1 }
        feed { machine in
            guard self.inFlight.remove(id) != nil else { return }
            // Counted before the answer can go out, so a client that has it sees it counted.
            self.context.counters.add(path)
            machine.finished(id, verdict)
        }
        if inPump { performUpToNextCheck() }
        context.logCheck(
            check: check, outcome: outcome, took: .now() - started, protocolName: protocolName == .saslauthd ? nil : protocolName)
        let untracked = lock.withLock { () -> UInt64? in
            completing -= 1
            guard completing == 0, trackerClosePending else { return nil }
            trackerClosePending = false
            return trackerID
        }
        if let untracked, untracked != 0 { context.tracker.closed(untracked) }
        settle()
        updateIdle()
        if let releaseAt, let loop, releaseAt > .now() {
            loop.scheduleTask(deadline: releaseAt) { decision.answered() }
        } else {
            decision.answered()
        }
    }

    /// Gives back what the connection held: its slot in the budget, its place in the tracker.
    private func end() {
        let (first, id, marked) = lock.withLock { () -> (Bool, UInt64?, Bool) in
            defer { ended = true }
            return (!ended, trackerID, idleMark != nil)
        }
        guard first else { return }
        if marked, let id { context.budget.unregister(id) }
        tally?.closed()
        context.budget.closed()
        // A check's log line still being written: `complete` closes it in the tracker after.
        let deferred = lock.withLock { () -> Bool in
            if completing > 0 { trackerClosePending = true }
            return completing > 0
        }
        // 0: `track` is registering it right now, and closes it itself once it has the id.
        if !deferred, let id, id != 0 { context.tracker.closed(id) }
    }
}
