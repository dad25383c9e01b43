import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The open connections of all listeners, against `limits.max_connections`.
///
/// Each listener's `ConnectionLimiter` (or `AcceptLane`) holds back its accepts while the budget
/// is spent and registers a wake-up here; any connection that ends, on any listener, wakes them
/// all.
final class ConnectionBudget: Sendable {
    let limit: Int
    private struct State {
        var open = 0
        var waiters: [@Sendable () -> Void] = []
        var lastWarning: NIODeadline?
        var pausesSinceWarning = 0
    }
    /// Under sustained overload accepting pauses and resumes with every connection; the warning
    /// is repeated at most this often, with the number of pauses in between.
    private static let warningInterval = TimeAmount.seconds(10)
    private let state = NIOLockedValueBox(State())

    init(limit: Int) {
        self.limit = limit
    }

    var isSpent: Bool { state.withLockedValue { $0.open >= limit } }

    func opened() {
        state.withLockedValue { $0.open += 1 }
    }

    /// Counts a connection not yet accepted, if there is room; `closed()` gives it back. An
    /// `AcceptLane` thread reserves before it waits in `accept`, so its threads together never
    /// accept past the limit.
    func reserve() -> Bool {
        state.withLockedValue { state in
            guard state.open < limit else { return false }
            state.open += 1
            return true
        }
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

    /// Records that `listenerPath` stopped accepting for want of room, and warns when the last
    /// warning is old enough.
    func notePause(listenerPath: String, logger: Logger) {
        let now = NIODeadline.now()
        let pauses = state.withLockedValue { state -> Int? in
            state.pausesSinceWarning += 1
            guard state.lastWarning.map({ now - $0 >= Self.warningInterval }) ?? true else { return nil }
            state.lastWarning = now
            defer { state.pausesSinceWarning = 0 }
            return state.pausesSinceWarning
        }
        guard let pauses else { return }
        logger.warning("connection limit reached: accepting paused", metadata: [
            "max_connections": "\(limit)", "listener": "\(listenerPath)", "pauses": "\(pauses)",
        ])
    }
}
