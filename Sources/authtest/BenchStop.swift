import NIOConcurrencyHelpers
import NIOCore

/// When a run ends: after a deadline, or after a number of requests shared by all workers.
final class BenchStop: Sendable {
    private let deadline: NIODeadline?
    private let remaining: NIOLockedValueBox<Int>?

    init(deadline: NIODeadline) {
        self.deadline = deadline
        self.remaining = nil
    }

    init(requests: Int) {
        self.deadline = nil
        self.remaining = NIOLockedValueBox(requests)
    }

    func shouldSendAnother() -> Bool {
        if let deadline { return NIODeadline.now() < deadline }
        return remaining!.withLockedValue { count in
            guard count > 0 else { return false }
            count -= 1
            return true
        }
    }
}
