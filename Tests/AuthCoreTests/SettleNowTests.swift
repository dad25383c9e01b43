import AuthCore
import AuthWire
import Crypto
import MetricsTestKit
import NIOCore
import NIOEmbedded
import Testing

/// `AuthEngine.settleNow`: the whole check on the accepting thread when nothing on its way
/// blocks, and no trace at all (no backend call, no counted miss) when something does.
@Suite("Settling a check at once")
struct SettleNowTests {
    let clock = ManualClock()
    let metrics = TestMetrics()
    let loop = EmbeddedEventLoop()

    func engine(_ chain: [ScriptedBackend], failureDelay: FailureDelay = FailureDelay(floor: .zero), throttle: FailureThrottle? = nil) -> AuthEngine {
        let cache = CredentialCache(settings: CacheSettings(), metrics: metrics, now: clock.reader)
        let route = Route(number: 1, match: nil, chain: chain.map(\.name), line: 1)
        return AuthEngine(
            rules: RealmRules(defaultRealm: "example.com"), router: Router(routes: [route]), backends: chain, failureDelay: failureDelay,
            cache: cache, throttle: throttle)
    }

    func settle(_ engine: AuthEngine, _ login: String, _ password: String) throws -> CheckOutcome? {
        let prepared = try engine.check(login: login, realm: "", service: "imap", password: Secret(password))
        return EmbeddedRun.settle(engine, prepared, on: loop)
    }

    func run(_ engine: AuthEngine, _ login: String, _ password: String) throws -> CheckOutcome {
        let prepared = try engine.check(login: login, realm: "", service: "imap", password: Secret(password))
        return try #require(EmbeddedRun.outcome(engine, prepared, on: loop)).0
    }

    @Test func aBackendThatMustBeAskedLeavesNoTrace() throws {
        let store = ScriptedBackend(name: "pam", passwords: ["alice": "right"])
        let engine = engine([store])
        #expect(try settle(engine, "alice", "right") == nil)
        #expect(store.calls == 0)
        #expect(try metrics.expectCounter("authmux_cache_misses_total").totalValue == 0, "the path that asks the backend counts the miss")
        #expect(try run(engine, "alice", "right").result == .ok)
        #expect(try metrics.expectCounter("authmux_cache_misses_total").totalValue == 1)
    }

    @Test func aCacheHitSettlesWithoutTheBackend() throws {
        let store = ScriptedBackend(name: "pam", passwords: ["alice": "right"])
        let engine = engine([store])
        _ = try run(engine, "alice", "right")
        let outcome = try #require(try settle(engine, "alice", "right"))
        #expect(outcome.result == .ok && outcome.cached && outcome.backend == "pam")
        #expect(store.calls == 1)
        #expect(try metrics.expectCounter("authmux_cache_hits_total").totalValue == 1)
        #expect(try settle(engine, "alice", "other") == nil, "another password is not a hit")
    }

    @Test func aBackendThatAnswersNowSettlesAndFillsTheCache() throws {
        let store = ScriptedBackend(name: "sasldb", passwords: ["alice": "right"])
        store.store.withLockedValue { $0.answersNow = true }
        let engine = engine([store])
        let first = try #require(try settle(engine, "alice", "right"))
        #expect(first.result == .ok && !first.cached && first.trail.count == 1)
        #expect(try metrics.expectCounter("authmux_cache_misses_total").totalValue == 1)
        let second = try #require(try settle(engine, "alice", "right"))
        #expect(second.cached)
        #expect(store.calls == 1)
    }

    /// Unknown user passes to the next backend; when that one must be asked, nothing is settled.
    @Test func aChainSettlesOnlyIfEveryBackendItReachesAnswersNow() throws {
        let first = ScriptedBackend(name: "sasldb", passwords: ["bob": "his"])
        first.store.withLockedValue { $0.answersNow = true }
        let second = ScriptedBackend(name: "pam", passwords: ["alice": "right"])
        let engine = engine([first, second])
        #expect(try settle(engine, "bob", "his")?.result == .ok)
        #expect(try settle(engine, "alice", "right") == nil)
        #expect(second.calls == 0)
        second.store.withLockedValue { $0.answersNow = true }
        let both = try #require(try settle(engine, "alice", "right"))
        #expect(both.result == .ok && both.backend == "pam" && both.trail.count == 2)
    }

    /// A failure settled at once carries the delay its answer must wait, and counts with the
    /// throttle as any failure does.
    @Test func aFailureCarriesItsDelayAndFeedsTheThrottle() throws {
        let store = ScriptedBackend(name: "sasldb", passwords: ["alice": "right"])
        store.store.withLockedValue { $0.answersNow = true }
        let throttle = FailureThrottle(
            settings: ThrottleSettings(freeFailures: 1, initial: .seconds(2), max: .seconds(8)), now: clock.reader)
        let engine = engine([store], failureDelay: FailureDelay(floor: .milliseconds(500)), throttle: throttle)
        let first = try #require(try settle(engine, "alice", "nope-1"))
        #expect(first.result == .failed && first.delay == .milliseconds(500) && first.throttledBy == nil)
        let second = try #require(try settle(engine, "alice", "nope-2"))
        #expect(second.delay == .seconds(2) && second.throttledBy != nil)
        // Past its free failures the account is checked one at a time, and a failure keeps its
        // place until its answer is due: nothing can be settled at once before then.
        #expect(try settle(engine, "alice", "right") == nil)
        loop.advanceTime(by: .seconds(2))
        let good = try #require(try settle(engine, "alice", "right"))
        #expect(good.result == .ok && good.delay == .zero)
    }
}
