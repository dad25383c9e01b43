import AuthCore
import AuthWire
import Logging
import NIOCore
import NIOEmbedded
import Testing

/// The failure delay is a scheduled task on the event loop: these tests drive an embedded
/// loop's clock by hand, so they prove when an answer becomes available without measuring time.
@Suite("Failure delay")
struct FailureDelayTests {
    static let yaml = """
        failure_delay: { floor: 500ms, cap: 2s }
        backends:
          ok: { type: stub }
          slow: { type: stub, asks_delay: 1500ms }
          greedy: { type: stub, asks_delay: 10s }
          missing: { type: stub, verdict: unknown }
          down: { type: stub, verdict: unavailable, asks_delay: 1s }
        routes:
          - match: { service: plain }
            use: [ ok ]
          - match: { service: slow }
            use: [ slow ]
          - match: { service: greedy }
            use: [ greedy ]
          - match: { service: nobody }
            use: [ missing ]
          - match: { service: down }
            use: [ down ]
        """

    /// Starts a check on `loop` and reports after how many milliseconds of loop time it completed.
    static func answerTime(service: String, password: String, on loop: EmbeddedEventLoop) throws -> (CheckOutcome, Int64) {
        let config = try ConfigLoader.parse(yaml: yaml, file: "t.yaml", catalog: BackendCatalog([StubBackendKind()]))
        let engine = try AuthEngine(config: config, logger: Logger(label: "test"))
        let check = try engine.check(login: "u", realm: "", service: service, password: Secret(password))
        return try #require(EmbeddedRun.outcome(engine, check, on: loop))
    }

    @Test func successIsNeverDelayed() throws {
        let (outcome, elapsed) = try Self.answerTime(service: "plain", password: "right", on: EmbeddedEventLoop())
        #expect(outcome.result == .ok)
        #expect(elapsed == 0)
        #expect(outcome.delay == .zero)
    }

    @Test func aWrongPasswordWaitsAtLeastTheFloor() throws {
        let (outcome, elapsed) = try Self.answerTime(service: "plain", password: "wrong", on: EmbeddedEventLoop())
        #expect(outcome.result == .failed)
        #expect(outcome.delay == .milliseconds(500))
        #expect(elapsed == 500)
    }

    @Test func anUnknownUserWaitsLikeAWrongPassword() throws {
        let (outcome, elapsed) = try Self.answerTime(service: "nobody", password: "right", on: EmbeddedEventLoop())
        #expect(outcome.result == .failed)
        #expect(elapsed == 500)
    }

    @Test func theStoresRequestIsHonouredUpToTheCap() throws {
        let (slow, slowElapsed) = try Self.answerTime(service: "slow", password: "wrong", on: EmbeddedEventLoop())
        #expect(slow.delay == .milliseconds(1500))
        #expect(slowElapsed == 1500)
        #expect(slow.trailText.contains("asked for a 1500 ms delay"))
        let (greedy, greedyElapsed) = try Self.answerTime(service: "greedy", password: "wrong", on: EmbeddedEventLoop())
        #expect(greedy.delay == .seconds(2))
        #expect(greedyElapsed == 2000)
    }

    @Test func unavailableIsAnsweredAtOnce() throws {
        let (outcome, elapsed) = try Self.answerTime(service: "down", password: "right", on: EmbeddedEventLoop())
        #expect(outcome.result == .unavailable)
        #expect(elapsed == 0)
    }

    /// Two seconds by default, as pam_unix and Dovecot's auth_failure_delay: long enough to hide
    /// what a store did before it answered.
    @Test func defaultsWaitTwoSecondsAndHonourModulesUpToTheCap() {
        let policy = FailureDelay()
        #expect(policy.delay(requested: .zero) == .seconds(2))
        #expect(policy.delay(requested: .seconds(2)) == .seconds(2))
        #expect(policy.delay(requested: .seconds(30)) == .seconds(3))
    }

    @Test func aCapBelowTheFloorIsRefusedWithItsLine() {
        let yaml = """
            failure_delay:
              floor: 2s
              cap: 1s
            backends: { ok: { type: stub } }
            """
        #expect {
            _ = try ConfigLoader.parse(yaml: yaml, file: "t.yaml", catalog: BackendCatalog([StubBackendKind()]))
        } throws: { error in
            "\(error)".hasPrefix("t.yaml:3:") && "\(error)".contains("failure_delay.cap") && "\(error)".contains("below floor")
        }
    }
}
