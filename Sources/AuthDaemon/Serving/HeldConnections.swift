import Synchronization

/// The threads of a listener whose connections carry many requests (Dovecot's) that may each
/// stay with one busy connection, reading it with blocking reads (`limits.connection_threads`).
///
/// A client that asks again as soon as it has its answer (Postfix's smtpd on a busy relay) is
/// then served by one thread that sleeps in `recv` until the next request: two system calls per
/// check, where an event loop costs an `epoll_wait`, a read that finds nothing and its wake-ups
/// (a fifth more checks/s with 16 such clients on two cores). The slots are counted apart from
/// `accept_threads`, so a listener always has threads free to accept however many connections
/// are held, and a connection that finds every slot taken is served by the event loops as
/// before. Stopping the listener lets go of every held connection at its next read.
final class HeldConnections: Sendable {
    let limit: Int
    private let held = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)

    init(limit: Int) {
        self.limit = limit
    }

    /// Takes a slot: false when all are taken or the listener stops.
    func take() -> Bool {
        var current = held.load(ordering: .relaxed)
        while current < limit, !isStopped {
            let (exchanged, original) = held.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func giveBack() {
        held.subtract(1, ordering: .acquiringAndReleasing)
    }

    /// Held connections now; for tests and the listener's stop.
    var count: Int { held.load(ordering: .relaxed) }

    func stop() {
        stopped.store(true, ordering: .sequentiallyConsistent)
    }

    var isStopped: Bool { stopped.load(ordering: .relaxed) }
}
