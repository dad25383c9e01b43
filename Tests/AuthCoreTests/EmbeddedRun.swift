import AuthCore
import NIOCore
import NIOEmbedded

/// The server's part of a check, for tests, on an embedded event loop: a failure's answer is
/// held until it is due, then the check's throttle slots are given back, as `DoorSession`
/// does. Moving the loop's clock shows when an answer comes without measuring time.
enum EmbeddedRun {
    /// Runs `check` and calls `delivered` when its answer would be sent.
    static func start(_ engine: AuthEngine, _ check: Check, on loop: EmbeddedEventLoop, delivered: @escaping (CheckOutcome) -> Void) {
        nonisolated(unsafe) let deliver = delivered
        engine.run(check) { decision in hold(decision, on: loop, deliver) }
    }

    /// `settleNow`, with its answer held the same way; nil when the check cannot be settled.
    static func settle(_ engine: AuthEngine, _ check: Check, on loop: EmbeddedEventLoop) -> CheckOutcome? {
        guard let decision = engine.settleNow(check) else { return nil }
        hold(decision, on: loop) { _ in }
        return decision.outcome
    }

    /// The decision's due time is on the engine's clock (the real one); the loop is told how far
    /// ahead of now that is.
    private static func hold(_ decision: CheckDecision, on loop: EmbeddedEventLoop, _ delivered: @escaping (CheckOutcome) -> Void) {
        nonisolated(unsafe) let deliver = delivered
        guard let holdUntil = decision.holdUntil else {
            deliver(decision.outcome)
            decision.answered()
            return
        }
        let wait = max(.zero, holdUntil - .now())
        loop.scheduleTask(in: wait) {
            deliver(decision.outcome)
            decision.answered()
        }
    }

    /// The outcome and how many milliseconds of loop time it took; nil after a minute of loop time.
    static func outcome(_ engine: AuthEngine, _ check: Check, on loop: EmbeddedEventLoop = EmbeddedEventLoop()) -> (CheckOutcome, Int64)? {
        var outcome: CheckOutcome?
        start(engine, check, on: loop) { outcome = $0 }
        var elapsed: Int64 = 0
        loop.run()
        while outcome == nil && elapsed < 60_000 {
            loop.advanceTime(by: .milliseconds(10))
            elapsed += 10
        }
        return outcome.map { ($0, elapsed) }
    }
}
