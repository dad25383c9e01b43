import Synchronization

/// How connections were served, counted: what tests assert on to know which path a request
/// took (AuthDaemonTests), and what the metrics endpoint exports (`DaemonScrapeSource`).
final class ServingCounters: Sendable {
    enum Counter: CaseIterable, Sendable {
        /// Answered by the accept thread that read the request (a cache hit, an unchanged sasldb).
        case answeredOnAcceptThread
        /// Answered from the thread of the backend that finished the check (PAM, LDAP), without
        /// a channel.
        case answeredFromBackendThread
        /// Answered after a delay, from the event loop that held the answer.
        case answeredAfterDelay
        /// Answered on a connection handed to SwiftNIO, from its event loop.
        case answeredOnEventLoop
        /// Refused by the accept thread (a malformed or refused request), without a channel.
        case refusedOnAcceptThread
        /// Handed to SwiftNIO because the machine still waited for bytes.
        case handedToEventLoop
        /// Closed by the allow list before anything was read.
        case peersRefused
        /// Idle connections closed to make room under `max_connections`.
        case idleEvicted
        /// Times an accept thread paused at `max_connections` with a client waiting.
        case capPauses
    }

    private let answeredOnAcceptThread = Synchronization.Atomic<Int>(0)
    private let answeredFromBackendThread = Synchronization.Atomic<Int>(0)
    private let answeredAfterDelay = Synchronization.Atomic<Int>(0)
    private let answeredOnEventLoop = Synchronization.Atomic<Int>(0)
    private let refusedOnAcceptThread = Synchronization.Atomic<Int>(0)
    private let handedToEventLoop = Synchronization.Atomic<Int>(0)
    private let peersRefused = Synchronization.Atomic<Int>(0)
    private let idleEvicted = Synchronization.Atomic<Int>(0)
    private let capPauses = Synchronization.Atomic<Int>(0)

    func add(_ counter: Counter) {
        switch counter {
        case .answeredOnAcceptThread: answeredOnAcceptThread.add(1, ordering: .relaxed)
        case .answeredFromBackendThread: answeredFromBackendThread.add(1, ordering: .relaxed)
        case .answeredAfterDelay: answeredAfterDelay.add(1, ordering: .relaxed)
        case .answeredOnEventLoop: answeredOnEventLoop.add(1, ordering: .relaxed)
        case .refusedOnAcceptThread: refusedOnAcceptThread.add(1, ordering: .relaxed)
        case .handedToEventLoop: handedToEventLoop.add(1, ordering: .relaxed)
        case .peersRefused: peersRefused.add(1, ordering: .relaxed)
        case .idleEvicted: idleEvicted.add(1, ordering: .relaxed)
        case .capPauses: capPauses.add(1, ordering: .relaxed)
        }
    }

    func value(_ counter: Counter) -> Int {
        switch counter {
        case .answeredOnAcceptThread: return answeredOnAcceptThread.load(ordering: .relaxed)
        case .answeredFromBackendThread: return answeredFromBackendThread.load(ordering: .relaxed)
        case .answeredAfterDelay: return answeredAfterDelay.load(ordering: .relaxed)
        case .answeredOnEventLoop: return answeredOnEventLoop.load(ordering: .relaxed)
        case .refusedOnAcceptThread: return refusedOnAcceptThread.load(ordering: .relaxed)
        case .handedToEventLoop: return handedToEventLoop.load(ordering: .relaxed)
        case .peersRefused: return peersRefused.load(ordering: .relaxed)
        case .idleEvicted: return idleEvicted.load(ordering: .relaxed)
        case .capPauses: return capPauses.load(ordering: .relaxed)
        }
    }
}
