public import NIOCore

/// The engine's answer for one check, as data: the outcome, when its answer may be sent
/// (`outcome.holdUntil`, for a failure), and the throttle slots the check holds until then. The
/// server schedules the answer and calls `answered()` once it is sent, so the next guess on the
/// same account waits as long as this one did. The engine itself schedules nothing.
public struct CheckDecision: Sendable {
    public var outcome: CheckOutcome
    private let pass: ThrottlePass?

    init(outcome: CheckOutcome, pass: ThrottlePass?) {
        self.outcome = outcome
        self.pass = pass
    }

    /// When the answer may be sent; nil for at once.
    public var holdUntil: NIODeadline? { outcome.holdUntil }

    /// The answer is out: gives the check's throttle slots back. Idempotent.
    public func answered() {
        pass?.release()
    }
}
