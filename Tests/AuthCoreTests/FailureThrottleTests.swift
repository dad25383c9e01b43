import AuthCore
import Logging
import NIOCore
import NIOEmbedded
import Testing

/// The throttle's arithmetic on a clock the test moves, and its effect on answers on an
/// embedded event loop: no sleeping, no timing.
extension FailureThrottle.Key {
    /// An account key of a backend named `users`, as the engine makes for a stub backend.
    static func user(_ name: String) -> Self { .account(backend: "users", ByteString(name)) }
}

@Suite("Brute-force throttle")
struct FailureThrottleTests {
    static let settings = ThrottleSettings(freeFailures: 3, initial: .seconds(1), max: .seconds(15), halfLife: .minutes(1))

    @Test func delaysGrowPastTheFreeFailuresUpToTheMax() {
        let clock = ManualClock()
        let throttle = FailureThrottle(settings: Self.settings, now: clock.reader)
        let delays = (1...9).map { _ in throttle.recordFailure(keys: [.user("alice@example.com")]).delay }
        #expect(delays == [.zero, .zero, .zero, .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(15), .seconds(15)])
    }

    @Test func failuresDecayWithTheHalfLife() {
        let clock = ManualClock()
        let throttle = FailureThrottle(settings: Self.settings, now: clock.reader)
        for _ in 0..<8 { _ = throttle.recordFailure(keys: [.user("bob")]) }
        #expect(throttle.score(of: .user("bob")) == 8)
        clock.advance(by: .minutes(1))
        #expect(throttle.score(of: .user("bob")) == 4)
        clock.advance(by: .minutes(2))
        #expect(throttle.score(of: .user("bob")) == 1)
        // Three minutes of quiet: the next failure is one of the free ones again.
        #expect(throttle.recordFailure(keys: [.user("bob")]).delay == .zero)
    }

    @Test func theWorseOfUserAndClientDecides() {
        let clock = ManualClock()
        let throttle = FailureThrottle(settings: Self.settings, now: clock.reader)
        // One client sprays many users: each user stays free, the client does not.
        var last: (delay: TimeAmount, key: FailureThrottle.Key?) = (.zero, nil)
        for index in 0..<6 { last = throttle.recordFailure(keys: [.user("user\(index)"), .client("192.0.2.9")]) }
        #expect(last.delay == .seconds(4))
        #expect(last.key == .client("192.0.2.9"))
        #expect(throttle.score(of: .user("user5")) == 1)
    }

    @Test func keysAreBounded() {
        let clock = ManualClock()
        let throttle = FailureThrottle(settings: ThrottleSettings(maxEntries: 100), now: clock.reader)
        for index in 0..<1000 {
            clock.advance(by: .milliseconds(1))
            _ = throttle.recordFailure(keys: [.user("u\(index)")])
        }
        #expect(throttle.score(of: .user("u0")) == 0)
        #expect(throttle.score(of: .user("u999")) == 1)
    }

    @Test func onlyFailedAnswersWaitAndTheLogSaysWhy() throws {
        let yaml = """
            throttle: { free_failures: 1, initial: 2s, max: 10s }
            failure_delay: { floor: 0s }
            backends: { ok: { type: stub } }
            """
        let config = try ConfigLoader.parse(yaml: yaml, file: "t.yaml", catalog: BackendCatalog([StubBackendKind()]))
        let engine = try AuthEngine(config: config, logger: Logger(label: "test"))
        let loop = EmbeddedEventLoop()
        func answer(_ password: String) throws -> (CheckOutcome, Int64) {
            let check = try engine.check(login: "carol", realm: "", service: "imap", password: Secret(password))
            return try #require(EmbeddedRun.outcome(engine, check, on: loop))
        }
        #expect(try answer("wrong").1 == 0)
        let (second, waited) = try answer("wrong")
        #expect(waited == 2000)
        #expect(second.throttledBy == .account(backend: "ok", "carol"))
        let (right, rightWaited) = try answer("right")
        #expect(right.result == .ok && rightWaited == 0 && right.throttledBy == nil)
        #expect(try answer("wrong").1 == 4000)
    }

    @Test func configErrorsAreLocated() {
        let yaml = """
            throttle:
              initial: 5s
              max: 1s
            backends: { ok: { type: stub } }
            """
        #expect {
            _ = try ConfigLoader.parse(yaml: yaml, file: "t.yaml", catalog: BackendCatalog([StubBackendKind()]))
        } throws: { error in
            "\(error)".hasPrefix("t.yaml:3:") && "\(error)".contains("throttle.max")
        }
    }
}
