import NIOConcurrencyHelpers
import NIOCore

/// A clock that moves only when a test says so, so expiry is tested without sleeping.
final class ManualClock: Sendable {
    private let current = NIOLockedValueBox(NIODeadline.uptimeNanoseconds(1_000_000_000))

    var now: NIODeadline { current.withLockedValue { $0 } }

    func advance(by amount: TimeAmount) {
        current.withLockedValue { $0 = $0 + amount }
    }

    var reader: @Sendable () -> NIODeadline { { self.now } }
}
