import NIOConcurrencyHelpers

/// The open connections of all listeners, against `limits.max_connections`.
///
/// Each listener's `ConnectionLimiter` holds back its accepts while the budget is spent and
/// registers a wake-up here; any connection that ends, on any listener, wakes them all.
final class ConnectionBudget: Sendable {
    let limit: Int
    private struct State {
        var open = 0
        var waiters: [@Sendable () -> Void] = []
    }
    private let state = NIOLockedValueBox(State())

    init(limit: Int) {
        self.limit = limit
    }

    var isSpent: Bool { state.withLockedValue { $0.open >= limit } }

    func opened() {
        state.withLockedValue { $0.open += 1 }
    }

    func closed() {
        let waiters = state.withLockedValue { state -> [@Sendable () -> Void] in
            state.open -= 1
            let waiters = state.waiters
            state.waiters = []
            return waiters
        }
        for wake in waiters { wake() }
    }

    /// Calls `wake` once, after the next connection ends.
    func waitForRoom(_ wake: @escaping @Sendable () -> Void) {
        state.withLockedValue { $0.waiters.append(wake) }
    }
}
