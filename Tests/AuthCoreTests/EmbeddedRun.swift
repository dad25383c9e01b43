import AuthCore
import NIOCore
import NIOEmbedded

/// Runs a check on an embedded event loop, moving the loop's clock until the answer is due:
/// failures wait their delay as scheduled tasks, so the test sees when an answer comes without
/// measuring time.
enum EmbeddedRun {
    /// The outcome and how many milliseconds of loop time it took; nil after a minute of loop time.
    static func outcome(_ engine: AuthEngine, _ check: Check, on loop: EmbeddedEventLoop = EmbeddedEventLoop()) -> (CheckOutcome, Int64)? {
        var outcome: CheckOutcome?
        engine.run(check, on: loop).assumeIsolated().whenSuccess { outcome = $0 }
        var elapsed: Int64 = 0
        loop.run()
        while outcome == nil && elapsed < 60_000 {
            loop.advanceTime(by: .milliseconds(10))
            elapsed += 10
        }
        return outcome.map { ($0, elapsed) }
    }
}
