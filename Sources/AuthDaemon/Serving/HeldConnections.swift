import Foundation
import Synchronization

/// The threads of a listener whose connections carry many requests (Dovecot's) that may each
/// stay with one busy connection, reading it with blocking reads (`limits.connection_threads`).
///
/// A client that asks again as soon as it has its answer (Postfix's smtpd on a busy relay) is
/// then served by one thread that sleeps in `recv` until the next request: two system calls per
/// check, where an event loop costs an `epoll_wait`, a read that finds nothing and its wake-ups
/// (a fifth more checks/s with 16 such clients on two cores).
///
/// The listener's threads take turns at accepting: only `accepting` of them (4 × `accept_threads`)
/// accept and serve first exchanges at any time, as without holds; the others wait here. A
/// thread that starts holding a connection gives its turn to one of them, and takes a turn
/// again when the hold ends. So holds never add accepting threads: with every thread in
/// `accept`, a listener of clients that connect per check (Exim's) ran 40 threads at once on two
/// cores, and its p99 rose by half at 16 clients and threefold at 64. A connection that finds
/// every slot taken is served by the event loops as before. Stopping the listener lets go of
/// every held connection at its next read and wakes the waiting threads.
// @unchecked: `held` and `freeTurns` are guarded by `turns`, a condition variable (no Swift
// primitive waits on a count; DispatchSemaphore would, but crashes the process if it is freed
// with a count below its start).
final class HeldConnections: @unchecked Sendable {
    let limit: Int
    /// The listener's threads that accept at any one time.
    let accepting: Int
    /// Read by a holding thread before each of its reads, so not under the lock.
    private let stopped = Atomic<Bool>(false)
    private let turns = NSCondition()
    private var held = 0
    /// Turns at accepting that no thread has.
    private var freeTurns: Int

    /// - Parameters:
    ///   - limit: connections held at once (`connection_threads`);
    ///   - accepting: the listener's threads that accept at any one time.
    init(limit: Int, accepting: Int) {
        self.limit = limit
        self.accepting = accepting
        self.freeTurns = accepting
    }

    /// Waits for a turn at accepting (a thread that has none: every thread at its start, and one
    /// whose hold ended); returns without one when the listener stops.
    func waitForTurn() {
        turns.lock()
        defer { turns.unlock() }
        while freeTurns == 0, !isStopped { turns.wait() }
        if freeTurns > 0 { freeTurns -= 1 }
    }

    /// Takes a slot for the calling thread's connection and gives its turn at accepting to a
    /// waiting thread; false when every slot is taken or the listener stops.
    func take() -> Bool {
        turns.lock()
        defer { turns.unlock() }
        guard held < limit, !isStopped else { return false }
        held += 1
        freeTurns += 1
        turns.signal()
        return true
    }

    func giveBack() {
        turns.lock()
        held -= 1
        turns.unlock()
    }

    /// Held connections now; for tests.
    var count: Int {
        turns.lock()
        defer { turns.unlock() }
        return held
    }

    /// Lets go of the held connections (at their next read) and wakes every waiting thread, to
    /// find the listener stopping.
    func stop() {
        stopped.store(true, ordering: .sequentiallyConsistent)
        turns.lock()
        turns.broadcast()
        turns.unlock()
    }

    var isStopped: Bool { stopped.load(ordering: .relaxed) }
}
