import AuthCore
import AuthWire
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

/// The throttle's gate on an embedded event loop: what reaches the store, and when, whatever
/// the client's parallelism.
@Suite("Throttle gate")
struct ThrottleGateTests {
    /// Four guesses at once for one account, one slot, a queue of two, a 3 s failure delay: the
    /// store is asked once now, once when the first failure's answer is due, once when the
    /// second's is, and the fourth guess is refused without asking it at all.
    @Test func guessesReachTheStoreOncePerDelay() throws {
        let store = ScriptedBackend(name: "users", passwords: ["alice": "right"])
        let route = Route(number: 1, match: nil, chain: ["users"], line: 1)
        let throttle = FailureThrottle(settings: ThrottleSettings(freeFailures: 0, initial: .seconds(1), max: .seconds(3), inFlight: 1, queue: 2))
        let engine = AuthEngine(
            rules: RealmRules(), router: Router(routes: [route]), backends: [store], failureDelay: FailureDelay(floor: .seconds(3), cap: .seconds(3)),
            throttle: throttle)
        let loop = EmbeddedEventLoop()
        var outcomes: [CheckOutcome] = []
        for guess in 0..<4 {
            let check = try engine.check(login: "alice", password: Secret("guess \(guess)"))
            EmbeddedRun.start(engine, check, on: loop) { outcomes.append($0) }
        }
        loop.run()
        #expect(store.calls == 1, "one guess reached the store")
        #expect(throttle.load(of: .account(backend: "users", "alice")) == (running: 1, waiting: 2))
        loop.advanceTime(by: .seconds(3))
        #expect(store.calls == 2, "the second, once the first failure's answer was due")
        #expect(outcomes.count == 2, "the first answer and the refused fourth guess")
        #expect(outcomes.contains { $0.note?.contains("too many checks waiting") == true && $0.trail.isEmpty })
        loop.advanceTime(by: .seconds(3))
        #expect(store.calls == 3)
        loop.advanceTime(by: .seconds(3))
        #expect(store.calls == 3 && outcomes.count == 4)
        #expect(throttle.load(of: .account(backend: "users", "alice")) == (running: 0, waiting: 0))
    }

    /// Past its free failures an account is checked one at a time, but a right password is
    /// still accepted once its turn comes, without a delay of its own.
    @Test func aRightPasswordWaitsItsTurnAndIsNotDelayed() throws {
        let store = ScriptedBackend(name: "users", passwords: ["alice": "right"])
        let route = Route(number: 1, match: nil, chain: ["users"], line: 1)
        let throttle = FailureThrottle(settings: ThrottleSettings(freeFailures: 0, initial: .seconds(1), max: .seconds(1), inFlight: 4, queue: 4))
        let engine = AuthEngine(
            rules: RealmRules(), router: Router(routes: [route]), backends: [store], failureDelay: FailureDelay(floor: .seconds(2), cap: .seconds(2)),
            throttle: throttle)
        let loop = EmbeddedEventLoop()
        var outcomes: [CheckOutcome] = []
        for password in ["wrong", "right"] {
            EmbeddedRun.start(engine, try engine.check(login: "alice", password: Secret(password)), on: loop) { outcomes.append($0) }
        }
        loop.run()
        // The failure made the account one-at-a-time and holds its slot until its answer.
        #expect(store.calls == 1 && outcomes.isEmpty)
        loop.advanceTime(by: .seconds(2))
        #expect(store.calls == 2)
        #expect(outcomes.map(\.result).sorted { $0.rawValue < $1.rawValue } == [.failed, .ok])
        let accepted = try #require(outcomes.first { $0.result == .ok })
        #expect(accepted.delay == .zero && accepted.holdUntil == nil)
        #expect(throttle.load(of: .account(backend: "users", "alice")) == (running: 0, waiting: 0))
    }
}
