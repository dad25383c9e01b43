import NIOConcurrencyHelpers

/// Every connection accepted and not yet closed, on any listener and whatever is serving it (an
/// accept thread, a backend's thread, an event loop). A graceful shutdown asks each to finish
/// (one waiting for its first bytes closes; one whose request is under way completes it) and
/// waits until none is left.
final class ConnectionTracker: Sendable {
    private struct State {
        var open: [UInt64: @Sendable () -> Void] = [:]
        var nextID: UInt64 = 0
        var quiescing = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = NIOLockedValueBox(State())

    /// Registers a connection; `quiesce` asks it to finish. Returns its id for `closed`. A
    /// connection accepted while a shutdown is under way is asked to finish at once.
    func opened(quiesce: @escaping @Sendable () -> Void) -> UInt64 {
        let (id, quiescing) = state.withLockedValue { state -> (UInt64, Bool) in
            state.nextID += 1
            state.open[state.nextID] = quiesce
            return (state.nextID, state.quiescing)
        }
        if quiescing { quiesce() }
        return id
    }

    func closed(_ id: UInt64) {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.open[id] = nil
            guard state.open.isEmpty else { return [] }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    var count: Int { state.withLockedValue { $0.open.count } }

    /// A graceful shutdown is under way.
    var isQuiescing: Bool { state.withLockedValue { $0.quiescing } }

    /// Asks every open connection to finish and returns when all have closed.
    func drain() async {
        let quiesce = state.withLockedValue { state -> [@Sendable () -> Void] in
            state.quiescing = true
            return Array(state.open.values)
        }
        for ask in quiesce { ask() }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLockedValue { state -> Bool in
                if state.open.isEmpty { return true }
                state.waiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }
}
