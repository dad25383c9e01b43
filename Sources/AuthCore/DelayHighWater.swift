import NIOConcurrencyHelpers
import NIOCore

/// The longest failure delay each backend has asked for so far, starting from what its settings
/// expect. Every failure on a route waits at least the largest of its backends' values, so
/// once a store has asked for a delay, a failure that ends before reaching that store (an
/// unknown user in the sasldb in front of it) waits exactly as long.
final class DelayHighWater: Sendable {
    private struct State {
        var values: [String: TimeAmount]
        /// The largest of all values: while it is zero (no store behind the engine expects or
        /// has asked for a delay), a failure skips the look-ups by name.
        var largestOfAll: TimeAmount
    }

    private let state: NIOLockedValueBox<State>

    init(expected: [String: TimeAmount]) {
        state = NIOLockedValueBox(State(values: expected, largestOfAll: expected.values.max() ?? .zero))
    }

    /// The largest value among `backends`.
    func largest(of backends: [String]) -> TimeAmount {
        state.withLockedValue { state in
            guard state.largestOfAll > .zero else { return .zero }
            return backends.map { state.values[$0] ?? .zero }.max() ?? .zero
        }
    }

    /// Records what `backend` asked for; true when that is more than it ever asked before.
    func raise(_ backend: String, to delay: TimeAmount) -> Bool {
        state.withLockedValue { state in
            guard delay > state.values[backend] ?? .zero else { return false }
            state.values[backend] = delay
            state.largestOfAll = max(state.largestOfAll, delay)
            return true
        }
    }
}
