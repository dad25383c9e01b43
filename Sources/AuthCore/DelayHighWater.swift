import NIOConcurrencyHelpers
import NIOCore

/// The longest failure delay each backend has asked for so far, starting from what its settings
/// expect. Every failure on a route waits at least the largest of its backends' values, so
/// once a store has asked for a delay, a failure that ends before reaching that store (an
/// unknown user in the sasldb in front of it) waits exactly as long.
final class DelayHighWater: Sendable {
    private let values: NIOLockedValueBox<[String: TimeAmount]>

    init(expected: [String: TimeAmount]) {
        values = NIOLockedValueBox(expected)
    }

    /// The largest value among `backends`.
    func largest(of backends: [String]) -> TimeAmount {
        values.withLockedValue { values in backends.map { values[$0] ?? .zero }.max() ?? .zero }
    }

    /// Records what `backend` asked for; true when that is more than it ever asked before.
    func raise(_ backend: String, to delay: TimeAmount) -> Bool {
        values.withLockedValue { values in
            guard delay > values[backend] ?? .zero else { return false }
            values[backend] = delay
            return true
        }
    }
}
