import AuthCore
import CLinuxSocket
import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Accepts a saslauthd listener's connections on a few threads of its own, and answers on the
/// spot every request that is complete when accepted and that the engine settles without a
/// blocking call (a credential-cache hit, a sasldb snapshot known to be current).
///
/// Written by hand because SwiftNIO offers no accept path that reads before it builds a
/// channel. NIO turns every accepted socket into a channel first: registration with epoll and
/// three more `epoll_ctl` calls, `getsockname` and `getpeername`, a first read that finds
/// nothing yet, a pipeline, promises and their allocations. That measured about 11 system calls
/// and 20 µs of CPU per check on top of the protocol's four calls (accept, read, write, close),
/// on one loop (BENCHMARKS.md, profile notes). libsasl2 writes its request right after
/// connecting, so by the time a connection is accepted its request is usually there to read.
///
/// A complete request that needs a backend's thread pool (PAM, LDAP) is answered from the pool
/// thread that finishes it: nothing is left to read, so no channel is needed. Everything else
/// is handed to SwiftNIO, as a channel made from the accepted socket together with the bytes
/// already read, and served by `SaslauthdConnectionHandler` exactly as before: a request still
/// on its way (the read deadline then applies), a malformed one (answered with its reason), one
/// that must wait for a client address. A failed answer that must wait (failure delay, throttle) is held on an event
/// loop, never on a lane thread. A lane thread therefore blocks only in `accept`.
final class AcceptLane: Sendable {
    /// Enough for the largest valid request (five fields of 256 bytes) and one byte more, so a
    /// request followed by stray bytes is seen as such.
    static let readLimit = 5 * (2 + SaslauthdCodec.maxFieldLength) + 3

    private let listener: ListenerConfig
    private let fd: CInt
    private let threadCount: Int
    private let context: ServerContext
    private let group: any EventLoopGroup
    private let budget: ConnectionBudget
    private let policy: PeerPolicy?
    private let tracker = LaneTracker()
    private let waitingRoom: LaneWaitingRoom
    private let logger: Logger
    private let stopping = Atomic<Bool>(false)
    private let running = DispatchGroup()
    /// When `accept` last failed for want of descriptors or memory, so the warning is repeated
    /// at most every 10 s while the retries go on every 10 ms.
    private let lastShortageWarning = NIOLockedValueBox<NIODeadline?>(nil)

    /// A check the lane settled, with what its log line needs.
    private struct Settled {
        var check: Check
        var outcome: CheckOutcome
    }

    /// What the lane makes of the bytes it found: a settled check; a complete request whose
    /// backend must be asked; or why the connection must be served by SwiftNIO (logged at debug
    /// level).
    private enum Decision {
        case settled(Settled)
        case ask(Check)
        case handOff(String)
    }

    /// How long a connection accepted before its client wrote may wait for its first bytes on
    /// the lane before SwiftNIO takes it over. libsasl2 writes right after connecting, so this
    /// only has to cover the client being scheduled.
    static let patience = TimeAmount.milliseconds(50)

    /// - Parameter fd: a bound, listening, blocking socket (`SocketPreparer.listen`); the lane
    ///   closes it when it stops.
    init(
        listener: ListenerConfig, fd: CInt, threads: Int, context: ServerContext, group: any EventLoopGroup, budget: ConnectionBudget,
        policy: PeerPolicy?, logger: Logger
    ) throws {
        self.waitingRoom = try LaneWaitingRoom(patience: Self.patience)
        self.listener = listener
        self.fd = fd
        self.threadCount = threads
        self.context = context
        self.group = group
        self.budget = budget
        self.policy = policy
        self.logger = logger
    }

    func start() {
        waitingRoom.start(name: "authmuxd-waiting") { [weak self] connection, guest, timedOut in
            guard let self else { return }
            guard !timedOut else {
                self.logger.debug("connection handed to an event loop", metadata: ["reason": "no request yet"])
                self.handOff(connection, received: PendingBytes(ByteBuffer()), current: guest.current, started: guest.started)
                return
            }
            self.receive(connection, current: guest.current, started: guest.started, mayPark: false)
        }
        for index in 0..<threadCount {
            running.enter()
            let thread = Thread { [self] in
                acceptLoop()
                running.leave()
            }
            thread.name = "authmuxd-accept-\(index)"
            thread.start()
        }
    }

    /// Stops accepting, then lets every connection already accepted finish.
    func stop() async {
        stopping.store(true, ordering: .sequentiallyConsistent)
        // Wakes the threads blocked in accept (it then fails with EINVAL); clients still in the
        // backlog are refused when the socket closes, as they are with a NIO listener.
        Glibc.shutdown(fd, Int32(SHUT_RDWR))
        await running.finished()
        close(fd)
        // Connections still waiting for their first bytes go to SwiftNIO, which closes the
        // silent ones as it quiesces and serves those that are under way.
        for (connection, guest) in await waitingRoom.stop() {
            handOff(connection, received: PendingBytes(ByteBuffer()), current: guest.current, started: guest.started)
        }
        await tracker.drain()
    }

    private var isStopping: Bool { stopping.load(ordering: .relaxed) }

    private func acceptLoop() {
        while !isStopping {
            // The slot is taken before waiting in accept: two threads that each saw room for one
            // more connection would otherwise both accept.
            guard budget.reserve() else {
                waitForRoom()
                continue
            }
            let connection = accept4(fd, nil, nil, Int32(SOCK_CLOEXEC.rawValue))
            guard connection >= 0 else {
                let error = errno
                budget.closed()
                if isStopping { return }
                switch error {
                case EINTR, ECONNABORTED, EAGAIN, EPROTO:
                    continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // Out of descriptors or memory: retry shortly rather than spin; the
                    // connections in flight free some as they end.
                    let now = NIODeadline.now()
                    let warn = lastShortageWarning.withLockedValue { last -> Bool in
                        guard last.map({ now - $0 >= .seconds(10) }) ?? true else { return false }
                        last = now
                        return true
                    }
                    if warn {
                        logger.warning("cannot accept a connection; retrying every 10 ms", metadata: [
                            "listener": "\(listener.path)", "error": "\(String(cString: strerror(error)))",
                        ])
                    }
                    usleep(10_000)
                    continue
                default:
                    logger.error("accepting failed; this listener accepts no more connections", metadata: [
                        "listener": "\(listener.path)", "error": "\(String(cString: strerror(error)))",
                    ])
                    return
                }
            }
            serve(connection, started: .now())
        }
    }

    /// `limits.max_connections` is reached: new clients wait in the backlog until a connection
    /// ends. The wait is sliced so a shutdown is noticed.
    private func waitForRoom() {
        budget.notePause(listenerPath: listener.path, logger: logger)
        let room = DispatchSemaphore(value: 0)
        budget.waitForRoom { room.signal() }
        while !isStopping, room.wait(timeout: .now() + .milliseconds(100)) == .timedOut, budget.isSpent {}
    }

    private func serve(_ connection: CInt, started: NIODeadline) {
        if let policy, !admits(connection, policy: policy) {
            close(connection)
            budget.closed()
            return
        }
        receive(connection, current: context.active.current, started: started, mayPark: true)
    }

    /// Reads what has arrived, then answers or hands on the connection; a connection with
    /// nothing to read yet is parked in the waiting room once.
    private func receive(_ connection: CInt, current: ActiveEngine.Current, started: NIODeadline, mayPark: Bool) {
        // A handed-off buffer becomes the handler's, which may grow it: a move must wipe too.
        var buffer = WipingAllocator.allocator.buffer(capacity: Self.readLimit)
        var readError: CInt = 0
        let received = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.readLimit) { raw -> Int in
            let count = recv(connection, raw.baseAddress, Self.readLimit, Int32(MSG_DONTWAIT))
            if count < 0 { readError = errno }
            return max(count, 0)
        }
        if received == 0 {
            guard readError == EAGAIN || readError == EWOULDBLOCK else {
                // Closed before sending a byte, or a broken socket: nothing to answer, as on the
                // NIO path.
                close(connection)
                budget.closed()
                return
            }
            if mayPark && waitingRoom.park(connection, current: current, started: started) { return }
        }
        switch decide(buffer, current: current) {
        case .settled(let settled):
            buffer.wipe()
            answer(connection, settled: settled, started: started)
        case .ask(let check):
            buffer.wipe()
            ask(connection, check: check, current: current, started: started)
        case .handOff(let reason):
            logger.debug("connection handed to an event loop", metadata: ["reason": "\(reason)"])
            handOff(connection, received: PendingBytes(consume buffer), current: current, started: started)
        }
    }

    private func decide(_ buffer: ByteBuffer, current: ActiveEngine.Current) -> Decision {
        let fieldCount: Int
        switch SaslauthdCodec.scan(buffer) {
        case .fourFields: fieldCount = 4
        case .fiveFields: fieldCount = 5
        // The handler waits for the rest, or answers a malformed request with the reason.
        case .incomplete: return .handOff("request incomplete")
        case .fieldTooLong, .trailingBytes: return .handOff("request malformed")
        }
        guard case .success(let request) = SaslauthdCodec.decodeRequest(buffer, fieldCount: fieldCount),
              case .success(let prepared) = current.engine.prepare(request, recordSteps: context.traceNormalization)
        else { return .handOff("request refused") }
        // A fifth field may still come within the grace period: only the handler can wait for it.
        if fieldCount == 4 && prepared.wantsClientAddress && current.limits.clientAddressGrace > .zero {
            return .handOff("waiting for a client address")
        }
        let check = current.engine.check(prepared)
        guard let outcome = current.engine.settleNow(check, timers: group.next()) else {
            return .ask(check)
        }
        logSteps(prepared)
        return .settled(Settled(check: check, outcome: outcome))
    }

    /// A complete request whose backend needs its thread pool (PAM, LDAP, a sasldb being
    /// re-read): the backend's thread that gives the last answer writes it to the socket (a
    /// failure that must wait is written from an event loop). Nothing is left to read, so the
    /// connection needs no channel, and an accepted check reaches no event loop at all: that
    /// spares two wake-ups per check, one to start it on a loop and one to take the answer back.
    private func ask(_ connection: CInt, check: Check, current: ActiveEngine.Current, started: NIODeadline) {
        let tracker = self.tracker
        tracker.holdAnswer()
        logSteps(check.prepared)
        current.engine.run(check, on: group.next()) { outcome in
            self.finish(connection, outcome: outcome, check: check, started: started)
            tracker.answerSent()
        }
    }

    /// With `--debug`, the realm rules' steps, logged just before the check starts.
    private func logSteps(_ prepared: PreparedCheck) {
        guard context.traceNormalization else { return }
        for step in prepared.normalization.steps { context.logger.debug("normalize: \(step)") }
    }

    /// Sends the answer and closes, now or, for a failure that must wait, from an event loop.
    private func answer(_ connection: CInt, settled: Settled, started: NIODeadline) {
        guard let holdUntil = settled.outcome.holdUntil, holdUntil > .now() else {
            finish(connection, outcome: settled.outcome, check: settled.check, started: started)
            return
        }
        let tracker = self.tracker
        tracker.holdAnswer()
        group.next().scheduleTask(deadline: holdUntil) { [self] in
            finish(connection, outcome: settled.outcome, check: settled.check, started: started)
            tracker.answerSent()
        }
    }

    /// The end of every connection the lane answers itself: the answer, the close, the slot
    /// given back, the check's log line.
    private func finish(_ connection: CInt, outcome: CheckOutcome, check: Check, started: NIODeadline) {
        Self.send(outcome.wireAnswer, to: connection)
        close(connection)
        budget.closed()
        context.logCheck(check: check, outcome: outcome, started: started, clientAddress: check.request.clientAddress?.text)
    }

    /// One counted string. The socket is fresh and the answer a few bytes, so it fits the send
    /// buffer whole; a client that has gone away costs nothing (no SIGPIPE, error ignored).
    private static func send(_ text: String, to connection: CInt) {
        var out = ByteBufferAllocator().buffer(capacity: text.utf8.count + 2)
        SaslauthdCodec.encodeAnswer(text, into: &out)
        _ = out.withUnsafeReadableBytes { raw in
            Glibc.send(connection, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
        }
    }

    /// Makes a SwiftNIO channel of the accepted socket, served by the listener's usual handler,
    /// which starts from the bytes the lane already read.
    private func handOff(_ connection: CInt, received: PendingBytes, current: ActiveEngine.Current, started: NIODeadline) {
        let server = context
        let budget = self.budget
        let tracker = self.tracker
        tracker.handOffStarted()
        ClientBootstrap(group: group.next())
            .channelOption(.allowRemoteHalfClosure, value: true)
            // Receive buffers and the handler's buffer hold the password: wiped when freed or moved.
            .channelOption(.allocator, value: WipingAllocator.allocator)
            // Clients write the whole request at once: one read per readiness event.
            .channelOption(.maxMessagesPerRead, value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = SaslauthdConnectionHandler(server: server, current: current, received: received, started: started)
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .withConnectedSocket(connection)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    channel.closeFuture.whenComplete { _ in budget.closed() }
                    tracker.handOffFinished(channel)
                case .failure(let error):
                    // NIO closed the socket; the client sees its connection end unanswered.
                    budget.closed()
                    tracker.handOffFinished(nil)
                    if var bytes = received.take() { bytes.wipe() }
                    server.logger.warning("cannot serve an accepted connection", metadata: ["error": "\(error)"])
                }
            }
    }

    /// The listener's `allow` list, checked with SO_PEERCRED before a byte is read.
    private func admits(_ connection: CInt, policy: PeerPolicy) -> Bool {
        // Linux's struct ucred is { pid_t pid; uid_t uid; gid_t gid; }; Swift's Glibc module
        // does not expose it (it needs _GNU_SOURCE), and a tuple has the same layout.
        var credentials: (pid: Int32, uid: UInt32, gid: UInt32) = (0, 0, 0)
        var length = socklen_t(MemoryLayout.size(ofValue: credentials))
        guard getsockopt(connection, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0 else {
            PeerCredentialGate.logRefusal(
                reason: "peer credentials unavailable: \(String(cString: strerror(errno)))", metadata: [:],
                listenerPath: listener.path, logger: logger)
            return false
        }
        guard policy.admits(uid: credentials.uid, gid: credentials.gid) else {
            PeerCredentialGate.logRefusal(
                reason: "peer not in the listener's allow list",
                metadata: ["uid": "\(credentials.uid)", "gid": "\(credentials.gid)", "pid": "\(credentials.pid)"],
                listenerPath: listener.path, logger: logger)
            return false
        }
        return true
    }
}
