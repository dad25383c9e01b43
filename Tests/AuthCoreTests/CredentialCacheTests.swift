import AuthCore
import AuthWire
import Crypto
import MetricsTestKit
import NIOCore
import NIOEmbedded
import Testing

@Suite("Credential cache")
struct CredentialCacheTests {
    let clock = ManualClock()
    let metrics = TestMetrics()
    let key = SymmetricKey(size: .bits256)
    let loop = EmbeddedEventLoop()

    /// One route through `chain`, a cache with `settings`, on the manual clock.
    func engine(_ chain: [ScriptedBackend], settings: CacheSettings = CacheSettings(), uncached: Set<String> = []) -> AuthEngine {
        let cache = CredentialCache(settings: settings, uncachedBackends: uncached, key: key, metrics: metrics, now: clock.reader)
        let route = Route(number: 1, match: nil, chain: chain.map(\.name), line: 1)
        return AuthEngine(rules: RealmRules(defaultRealm: "example.com"), router: Router(routes: [route]), backends: chain, failureDelay: FailureDelay(floor: .zero), cache: cache)
    }

    func check(_ engine: AuthEngine, _ login: String, _ password: String, service: String = "imap") throws -> CheckOutcome {
        let prepared = try engine.check(login: login, realm: "", service: service, password: Secret(password))
        return try #require(EmbeddedRun.outcome(engine, prepared, on: loop)).0
    }

    @Test func aRepeatedCheckIsAnsweredFromMemory() throws {
        let store = ScriptedBackend(name: "users", passwords: ["alice": "right", "bob": "hers"])
        let engine = engine([store])

        let first = try check(engine, "alice", "right")
        #expect(first.result == .ok && !first.cached)
        let second = try check(engine, "alice", "right")
        #expect(second.result == .ok && second.cached)
        #expect(second.backend == "users" && second.route == 1)
        #expect(store.calls == 1)

        // Another user: another question, so a miss. Another service on the same route asks
        // this store the same question (its answer does not depend on the service, as a
        // sasldb's does not), so it is the same entry.
        #expect(try !check(engine, "bob", "hers").cached)
        #expect(try check(engine, "alice", "right", service: "smtp").cached)
        #expect(store.calls == 2)
        #expect(try check(engine, "alice@EXAMPLE.com", "right").cached, "filed under what the store is asked")

        #expect(try metrics.expectCounter("authmux_cache_hits_total").totalValue == 3)
        #expect(try metrics.expectCounter("authmux_cache_misses_total").totalValue == 2)
        #expect(try metrics.expectGauge("authmux_cache_entries").lastValue == 2)
    }

    @Test func entriesExpireAfterTheirTTL() throws {
        let store = ScriptedBackend(name: "users", passwords: ["alice": "right"])
        let engine = engine([store], settings: CacheSettings(ttl: .minutes(10), negativeTTL: .seconds(30)))

        _ = try check(engine, "alice", "right")
        clock.advance(by: .minutes(10) - .seconds(1))
        #expect(try check(engine, "alice", "right").cached)
        clock.advance(by: .seconds(1))
        #expect(try !check(engine, "alice", "right").cached, "expired at the TTL")
        #expect(store.calls == 2)

        _ = try check(engine, "carol", "nope")
        clock.advance(by: .seconds(29))
        #expect(try check(engine, "carol", "nope").cached)
        clock.advance(by: .seconds(1))
        #expect(try !check(engine, "carol", "nope").cached, "a negative entry lives negative_ttl")
    }

    @Test func onlyTheSameWrongPasswordIsRefusedFromMemory() throws {
        let store = ScriptedBackend(name: "users", passwords: ["alice": "right"])
        let engine = engine([store])

        #expect(try check(engine, "alice", "wrong1").result == .failed)
        let repeated = try check(engine, "alice", "wrong1")
        #expect(repeated.result == .failed && repeated.cached)
        #expect(repeated.wireAnswer == "NO authentication failed")
        #expect(store.calls == 1)

        let other = try check(engine, "alice", "wrong2")
        #expect(other.result == .failed && !other.cached, "another password goes to the backend")
        let right = try check(engine, "alice", "right")
        #expect(right.result == .ok && !right.cached, "the right password is never refused from memory")
        #expect(store.calls == 3)

        // Unknown to every backend is a refusal too, and cached the same way.
        _ = try check(engine, "nobody", "guess")
        #expect(try check(engine, "nobody", "guess").cached)
        #expect(try !check(engine, "nobody", "guess2").cached)
    }

    @Test func zeroNegativeTTLTurnsNegativeEntriesOff() throws {
        let store = ScriptedBackend(name: "users", passwords: ["alice": "right"])
        let engine = engine([store], settings: CacheSettings(negativeTTL: .zero))
        _ = try check(engine, "alice", "wrong")
        #expect(try !check(engine, "alice", "wrong").cached)
        #expect(engine.cache?.count == 0)
    }

    @Test func theLeastRecentlyUsedEntryMakesRoom() throws {
        let store = ScriptedBackend(name: "users", passwords: ["a": "pa", "b": "pb", "c": "pc"])
        let engine = engine([store], settings: CacheSettings(maxEntries: 2))
        let cache = try #require(engine.cache)

        _ = try check(engine, "a", "pa")
        _ = try check(engine, "b", "pb")
        #expect(try check(engine, "a", "pa").cached)  // a is now the most recent
        _ = try check(engine, "c", "pc")             // evicts b, the least recent
        #expect(cache.count == 2)
        #expect(cache.keysByRecency.map { $0.asked.first?.text } == ["c", "a"])
        #expect(try metrics.expectCounter("authmux_cache_evictions_total").totalValue == 1)

        #expect(try check(engine, "a", "pa").cached)
        #expect(try !check(engine, "b", "pb").cached, "evicted")
        #expect(cache.count == 2)
    }

    @Test func theCacheHoldsOnlyAKeyedDigestOfThePassword() throws {
        let password = "correct horse battery staple"
        let store = ScriptedBackend(name: "users", passwords: ["alice": password])
        let engine = engine([store])
        let cache = try #require(engine.cache)
        _ = try check(engine, "alice", password)
        _ = try check(engine, "alice", "a wrong password here")  // keeps the positive entry

        let stored = cache.storedEntries
        #expect(stored.count == 1)
        let entry = try #require(stored.first?.entry)
        let expected = Array(HMAC<SHA256>.authenticationCode(for: Array(password.utf8) + [UInt8](repeating: 0, count: 64), using: key))
        #expect(entry.digest.bytes == expected, "the stored value is HMAC-SHA-256 under the cache's key")

        // No field of the entry holds the password or a piece of it.
        let secret = Array(password.utf8)
        let key = try #require(stored.first?.key)
        var fields: [[UInt8]] = [entry.digest.bytes, key.bytes.bytes]
        fields += entry.trail.map { Array($0.description.utf8) }
        fields += entry.stamps.map { Array($0.backend.utf8) }
        for field in fields {
            for length in [secret.count, 8] {
                for start in 0...(secret.count - length) {
                    let piece = secret[start..<(start + length)]
                    #expect(!Self.contains(field, piece), "password bytes in a cache entry")
                }
            }
        }
    }

    @Test func aBackendWithCacheFalseIsNeverCached() throws {
        let optedOut = ScriptedBackend(name: "live", passwords: ["alice": "right"])
        let engine = engine([optedOut], uncached: ["live"])
        _ = try check(engine, "alice", "right")
        #expect(try !check(engine, "alice", "right").cached)
        _ = try check(engine, "alice", "wrong")
        #expect(try !check(engine, "alice", "wrong").cached)
        #expect(optedOut.calls == 4)
        #expect(engine.cache?.count == 0)

        // Consulted on the way to another backend's answer: that answer is not cached either.
        let other = ScriptedBackend(name: "files", passwords: ["bob": "pw"])
        let chained = self.engine([ScriptedBackend(name: "live"), other], uncached: ["live"])
        _ = try check(chained, "bob", "pw")
        #expect(try !check(chained, "bob", "pw").cached)
    }

    @Test func unavailableAnswersAreNeverCached() throws {
        let down = ScriptedBackend(name: "down", forced: .unavailable(reason: "store down"))
        let engine = engine([down])
        #expect(try check(engine, "alice", "right").result == .unavailable)
        #expect(try !check(engine, "alice", "right").cached)
        #expect(down.calls == 2)

        // An answer reached because an earlier backend was unavailable is not cached: once the
        // store is back it may answer differently.
        let fallback = ScriptedBackend(name: "fallback", passwords: ["alice": "right"])
        let chained = self.engine([ScriptedBackend(name: "down", forced: .unavailable(reason: "x")), fallback])
        #expect(try check(chained, "alice", "right").result == .ok)
        #expect(try !check(chained, "alice", "right").cached)
        #expect(chained.cache?.count == 0)
    }

    @Test func aWrongPasswordDoesNotEvictTheUsersEntry() throws {
        let store = ScriptedBackend(name: "users", passwords: ["alice": "right"])
        let engine = engine([store])
        _ = try check(engine, "alice", "right")
        for guess in ["guess1", "guess2", "guess1"] {
            let refused = try check(engine, "alice", guess)
            #expect(refused.result == .failed && !refused.cached)
        }
        #expect(try check(engine, "alice", "right").cached, "the positive entry survived")
        #expect(store.calls == 4)
    }

    @Test func aNewAcceptedPasswordReplacesTheEntry() throws {
        let store = ScriptedBackend(name: "users", passwords: ["alice": "old"])
        let engine = engine([store])
        _ = try check(engine, "alice", "old")

        // Changed where authmux cannot see it (generation unchanged, as PAM): the old password
        // keeps working from memory until the user types the new one...
        store.store.withLockedValue { $0.passwords["alice"] = "new" }
        #expect(try check(engine, "alice", "old").cached)
        let typedNew = try check(engine, "alice", "new")
        #expect(typedNew.result == .ok && !typedNew.cached)
        // ...after which the new one is cached and the old one goes to the backend.
        #expect(try check(engine, "alice", "new").cached)
        let old = try check(engine, "alice", "old")
        #expect(old.result == .failed && !old.cached)
        #expect(try check(engine, "alice", "new").cached)
        #expect(engine.cache?.count == 1)
    }

    @Test func aStoreChangeDropsThatBackendsEntriesOnly() throws {
        let files = ScriptedBackend(name: "files", passwords: ["alice": "a", "carol": "c"])
        let other = ScriptedBackend(name: "other", passwords: ["bob": "b"])
        let cache = CredentialCache(settings: CacheSettings(), key: key, metrics: metrics, now: clock.reader)
        let routes = [
            Route(number: 1, match: RouteMatch(realms: ["files.org"], services: nil), chain: ["files"], line: 1),
            Route(number: 2, match: nil, chain: ["other"], line: 2),
        ]
        let engine = AuthEngine(rules: RealmRules(), router: Router(routes: routes), backends: [files, other], failureDelay: FailureDelay(floor: .zero), cache: cache)
        _ = try check(engine, "alice@files.org", "a")
        _ = try check(engine, "carol@files.org", "c")
        _ = try check(engine, "bob@else.org", "b")
        #expect(cache.count == 3)

        files.store.withLockedValue { $0.generation = 1 }
        let after = try check(engine, "alice@files.org", "a")
        #expect(!after.cached, "the store changed: asked again")
        #expect(cache.storedEntries.compactMap { $0.key.asked.first?.text }.sorted() == ["alice", "bob"], "carol's entry went with the change")
        #expect(try check(engine, "bob@else.org", "b").cached, "another backend's entries stay")

        // A backend that cannot tell whether its store changed is not cached.
        files.store.withLockedValue { $0.generation = nil }
        _ = try check(engine, "alice@files.org", "a")
        #expect(try !check(engine, "alice@files.org", "a").cached)
        #expect(cache.storedEntries.compactMap { $0.key.asked.first?.text } == ["bob"])
    }

    @Test func aStoreChangeDuringTheCheckLeavesNoEntry() throws {
        let backend = ScriptedBackend(name: "files", passwords: ["alice": "a"])
        backend.store.withLockedValue { store in
            store.beforeEvaluate = { backend.store.withLockedValue { $0.generation! += 1 } }
        }
        let cache = CredentialCache(settings: CacheSettings(), key: key, metrics: metrics, now: clock.reader)
        let engine = AuthEngine(rules: RealmRules(), router: Router(routes: [Route(number: 1, match: nil, chain: ["files"], line: 1)]), backends: [backend], failureDelay: FailureDelay(floor: .zero), cache: cache)
        _ = try check(engine, "alice", "a")
        #expect(try !check(engine, "alice", "a").cached)
    }

    @Test func closingDropsEverythingAndStopsCaching() throws {
        let store = ScriptedBackend(name: "users", passwords: ["alice": "right"])
        let engine = engine([store])
        let cache = try #require(engine.cache)
        _ = try check(engine, "alice", "right")
        #expect(cache.count == 1)
        cache.close()
        #expect(cache.count == 0)
        #expect(try !check(engine, "alice", "right").cached)
        #expect(try !check(engine, "alice", "right").cached, "a closed cache is not refilled")
        #expect(cache.count == 0)
        #expect(try metrics.expectGauge("authmux_cache_entries").lastValue == 0)
    }

    @Test func eachCacheDrawsItsOwnKey() throws {
        let first = CredentialCache(settings: CacheSettings())
        let second = CredentialCache(settings: CacheSettings())
        #expect(first.digest(of: Secret("pw")).bytes != second.digest(of: Secret("pw")).bytes)
        #expect(first.digest(of: Secret("pw")).bytes == first.digest(of: Secret("pw")).bytes)
    }

    static func contains(_ haystack: [UInt8], _ needle: ArraySlice<UInt8>) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
