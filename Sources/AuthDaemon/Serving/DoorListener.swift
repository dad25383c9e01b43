import AuthCore
import CLinuxSocket
import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Accepts one listener's connections on threads of its own and starts a `DoorSession` for each,
/// which serves it on that thread as far as it can.
///
/// Written by hand because SwiftNIO offers no accept path that reads before it builds a channel:
/// it turns every accepted socket into a channel first (epoll registration and three more
/// `epoll_ctl` calls, `getsockname` and `getpeername`, a first read that finds nothing, a
/// pipeline, promises), about 11 system calls and 20 µs of CPU per check on top of the
/// protocol's own four (accept, read, write, close). Clients write their request right after
/// connecting, so by the time a connection is accepted its request is usually there to read, and
/// most connections never need a channel. An accept thread blocks only in `accept` and, for a
/// client that has not written yet, in one short `poll` (`ServerContext.acceptPatience`); on a
/// Dovecot connection, in up to four, for the client's request and its hang-up, or in `recv`
/// while it holds a busy connection (`HeldConnections`).
final class DoorListener: Sendable {
    /// Starts a session for an accepted socket and serves it as far as the accept thread can.
    /// The buffer is the thread's own, reused for every connection it reads (and wiped after
    /// each), so reading a request costs no allocation. Returns false when the thread gave its
    /// turn at accepting to another while it held the connection (`HeldConnections`).
    typealias Serve = @Sendable (CInt, inout ByteBuffer) -> Bool

    /// The most one read takes from a socket on an accept thread: any valid request of the
    /// one-shot doors fits (saslauthd's largest is 1,292 bytes, authdaemond's 2,050); a longer
    /// one is finished by SwiftNIO.
    static let readSize = 4096

    let listener: ListenerConfig
    private let fd: CInt
    private let threadCount: Int
    private let context: ServerContext
    private let policy: PeerPolicy?
    private let serve: Serve
    /// Counts the listener's open connections (`authmux_open_connections`).
    private let tally: ListenerConnections?
    /// The connections its threads hold (a Dovecot listener's), let go of when it stops.
    private let held: HeldConnections?
    /// The socket was handed over by systemd (socket activation), which keeps it listening for
    /// the next start: stopping must not shut it down (see `stop`).
    private let handedOver: Bool
    private let stopping = Atomic<Bool>(false)
    private let running = DispatchGroup()
    /// When `accept` last failed for want of descriptors or memory, so the warning is repeated
    /// at most every 10 s while the retries go on every 10 ms.
    private let lastShortageWarning = NIOLockedValueBox<NIODeadline?>(nil)
    private let lastEvictionNotice = NIOLockedValueBox<NIODeadline?>(nil)

    /// - Parameters:
    ///   - fd: a bound, listening, blocking socket; the listener closes it when it stops.
    ///   - serve: serves an accepted socket on the calling accept thread (see `Serve`).
    ///   - handedOver: the socket came from systemd (see `handedOver`).
    init(listener: ListenerConfig, fd: CInt, threads: Int, context: ServerContext, policy: PeerPolicy?,
         tally: ListenerConnections? = nil, held: HeldConnections? = nil, handedOver: Bool = false, serve: @escaping Serve) {
        self.listener = listener
        self.fd = fd
        self.threadCount = threads
        self.context = context
        self.policy = policy
        self.tally = tally
        self.held = held
        self.handedOver = handedOver
        self.serve = serve
    }

    func start() {
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

    /// Stops accepting; connections already accepted are the tracker's to finish.
    func stop() async {
        stopping.store(true, ordering: .sequentiallyConsistent)
        // A thread holding a connection lets go of it at its next read (within the hold's
        // patience) and hands it to SwiftNIO; threads waiting for a turn at accepting wake up.
        // Both find the listener stopping.
        held?.stop()
        guard handedOver else {
            // Wakes the threads blocked in accept (it then fails with EINVAL); clients still in
            // the backlog are refused when the socket closes.
            Glibc.shutdown(fd, Int32(SHUT_RDWR))
            await running.finished()
            close(fd)
            return
        }
        // systemd holds the same socket to hand it to the next start, so it must keep listening:
        // shutting it down would refuse every client until then. Each accept thread is woken by
        // a connection of our own instead, which it recognizes by its pid and closes; clients
        // ahead of them in the backlog are still served.
        // One per thread that may be in `accept`: with hold slots, the others wait for a turn.
        let wakers = (0..<(held?.accepting ?? threadCount)).compactMap { _ in Self.connect(to: listener.path) }
        await running.finished()
        for waker in wakers { close(waker) }
        close(fd)
    }

    /// A connection to our own socket, to wake an accept thread; nil if it cannot be made (the
    /// backlog is full: the accept threads are busy and will see `stopping` on their own).
    private static func connect(to path: String) -> CInt? {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: bytes.prefix(raw.count - 1)) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    private var isStopping: Bool { stopping.load(ordering: .relaxed) }

    private func acceptLoop() {
        var scratch = WipingAllocator.allocator.buffer(capacity: Self.readSize)
        defer { scratch.wipe() }
        // With hold slots, threads take turns at accepting (see `HeldConnections`).
        var myTurn = held == nil
        while !isStopping {
            if !myTurn {
                held?.waitForTurn()
                myTurn = true
                continue
            }
            // The slot is taken before waiting in accept: two threads that each saw room for one
            // more connection would otherwise both accept.
            guard context.budget.reserve() else {
                waitForRoom()
                continue
            }
            let connection = accept4(fd, nil, nil, Int32(SOCK_CLOEXEC.rawValue))
            guard connection >= 0 else {
                let error = errno
                context.budget.closed()
                if isStopping { return }
                switch error {
                case EINTR, ECONNABORTED, EAGAIN, EPROTO:
                    continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // Out of descriptors or memory: retry shortly rather than spin; the
                    // connections in flight free some as they end.
                    warnOnce(in: lastShortageWarning, every: .seconds(10)) {
                        context.logger.warning("cannot accept a connection; retrying every 10 ms", metadata: [
                            "listener": "\(listener.path)", "error": "\(String(cString: strerror(error)))",
                        ])
                    }
                    usleep(10_000)
                    continue
                default:
                    context.logger.error("accepting failed; this listener accepts no more connections", metadata: [
                        "listener": "\(listener.path)", "error": "\(String(cString: strerror(error)))",
                    ])
                    return
                }
            }
            tally?.opened()
            if handedOver, isStopping, PeerCredentials.of(connection)?.pid == getpid() {
                // Our own wake-up call (see `stop`).
                close(connection)
                tally?.closed()
                context.budget.closed()
                return
            }
            if let policy, !PeerCredentials.admits(connection, policy: policy, listenerPath: listener.path, logger: context.logger) {
                context.counters.add(.peersRefused)
                close(connection)
                tally?.closed()
                context.budget.closed()
                continue
            }
            myTurn = serve(connection, &scratch)
        }
    }

    /// `limits.max_connections` is reached. Nothing is closed until a client is waiting in this
    /// listener's backlog: then the connection idle the longest (on any listener) is closed to
    /// make room for it, and with none idle the client waits in the backlog until a connection
    /// ends. A connection that merely waits for its request is never closed for a newcomer who
    /// may never come. The waits are sliced so a shutdown, and a slot freed meanwhile, are
    /// noticed.
    private func waitForRoom() {
        var paused = false
        while !isStopping, context.budget.isSpent {
            var listening = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&listening, 1, 100) > 0, !isStopping, context.budget.isSpent else { continue }
            if !paused {
                paused = true
                context.counters.add(.capPauses)
                context.budget.notePause(listenerPath: listener.path, logger: context.logger)
            }
            let room = DispatchSemaphore(value: 0)
            context.budget.waitForRoom { room.signal() }
            if context.budget.evictOldestIdle() {
                context.counters.add(.idleEvicted)
                warnOnce(in: lastEvictionNotice, every: .seconds(10)) {
                    context.logger.notice("connection limit reached: closing connections that sent no request to make room", metadata: [
                        "listener": "\(listener.path)", "max_connections": "\(context.budget.limit)",
                    ])
                }
            }
            // Also the pause between two looks at a backlog whose client cannot be given room:
            // the listening socket stays readable until it is accepted.
            _ = room.wait(timeout: .now() + .milliseconds(100))
        }
    }

    private func warnOnce(in last: NIOLockedValueBox<NIODeadline?>, every interval: TimeAmount, _ warn: () -> Void) {
        let now = NIODeadline.now()
        let due = last.withLockedValue { last -> Bool in
            guard last.map({ now - $0 >= interval }) ?? true else { return false }
            last = now
            return true
        }
        if due { warn() }
    }
}
