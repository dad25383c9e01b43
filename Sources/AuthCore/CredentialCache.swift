public import AuthWire
public import Crypto
public import Metrics
public import NIOCore
import NIOConcurrencyHelpers

/// Remembers recent answers of one engine's routes so that a repeated check is answered by the
/// thread that read the request, without asking a backend.
///
/// An entry is filed under what every backend on the route is asked (`CacheKey`), and keeps the HMAC-SHA-256 of
/// the password under a key drawn at random for each cache (a reload builds a new cache, so no
/// key outlives its configuration), the answer, its expiry, and the store generation of every
/// backend that was asked. A backend whose generation moves (a sasldb file written by
/// `saslpasswd2`) has its entries dropped on the next lookup that routes through it.
///
/// What is never cached: unavailable answers, answers in which any backend was unavailable (the
/// chain may end elsewhere once it is back), and answers that consulted a backend configured
/// with `cache: false` or one that cannot tell cheaply whether its store changed.
public final class CredentialCache: Sendable {
    public let settings: CacheSettings
    /// Backends configured with `cache: false`.
    public let uncachedBackends: Set<String>
    /// The HMAC under the cache's key, its two pads hashed once.
    private let mac: PasswordMAC
    private let now: @Sendable () -> NIODeadline
    private let state: NIOLockedValueBox<State>
    private let hits: Counter
    private let misses: Counter
    private let evictions: Counter
    private let size: Gauge

    private struct State {
        var table: CacheTable
        /// The last generation each backend reported; nil inside when it could not tell.
        var seen: [String: UInt64?] = [:]
        var closed = false

        func lastSeen(_ backend: String) -> UInt64? { seen[backend] ?? nil }

        /// Drops the entries of every backend whose generation moved. Returns how many.
        mutating func notice(chain: [String], generations: [UInt64?]) -> Int {
            var dropped = 0
            for (backend, generation) in zip(chain, generations) {
                guard let previous = seen[backend] else {
                    seen[backend] = .some(generation)
                    continue
                }
                guard previous != generation else { continue }
                seen[backend] = .some(generation)
                dropped += table.removeAll { entry in
                    entry.stamps.contains { $0.backend == backend && $0.generation != generation }
                }
            }
            return dropped
        }
    }

    /// - Parameters:
    ///   - key: the HMAC key; random unless a test needs to recompute digests.
    ///   - metrics: where hit, miss, eviction and size are reported.
    ///   - now: the clock expiry is measured on; tests pass one they can move.
    public init(
        settings: CacheSettings,
        uncachedBackends: Set<String> = [],
        key: SymmetricKey = SymmetricKey(size: .bits256),
        metrics: any MetricsFactory = MetricsSystem.factory,
        now: @escaping @Sendable () -> NIODeadline = { .now() }
    ) {
        self.settings = settings
        self.uncachedBackends = uncachedBackends
        self.mac = PasswordMAC(key: key)
        self.now = now
        self.state = NIOLockedValueBox(State(table: CacheTable(capacity: max(1, settings.maxEntries))))
        self.hits = Counter(label: "authmux_cache_hits_total", factory: metrics)
        self.misses = Counter(label: "authmux_cache_misses_total", factory: metrics)
        self.evictions = Counter(label: "authmux_cache_evictions_total", factory: metrics)
        self.size = Gauge(label: "authmux_cache_entries", factory: metrics)
    }

    /// Synchronous and short: safe to call on an accept thread or an event loop.
    ///
    /// - Parameter key: the check's `cacheKey`: the route and what each of its backends is asked.
    /// - Parameter generations: each backend of `route.chain`'s `storeGeneration()`, read now.
    /// - Parameter countingMiss: false when the caller may hand the check on to a path that looks
    ///   it up again; it then calls `countMiss()` only if it settles the miss itself.
    public func lookup(key: CacheKey, route: Route, password: Secret, generations: [UInt64?], countingMiss: Bool = true) -> CacheLookup {
        let digest = self.digest(of: password)
        let now = self.now()
        let (found, count) = state.withLockedValue { state -> (CacheEntry?, Int?) in
            guard !state.closed else { return (nil, nil) }
            let dropped = state.notice(chain: route.chain, generations: generations)
            if let entry = state.table.touch(key) {
                if entry.expires > now && entry.stamps.allSatisfy({ state.lastSeen($0.backend) == $0.generation }) {
                    return (entry, dropped > 0 ? state.table.count : nil)
                }
                state.table.remove(key)
                return (nil, state.table.count)
            }
            return (nil, dropped > 0 ? state.table.count : nil)
        }
        if let count { size.record(count) }
        if let found, found.digest.matches(digest) {
            hits.increment()
            var outcome = CheckOutcome(result: found.accepted ? .ok : .failed, backend: found.backend, route: route.number, trail: found.trail)
            outcome.cached = true
            return .hit(outcome)
        }
        if countingMiss { misses.increment() }
        return .miss(CacheTicket(key: key, digest: digest, chain: route.chain, generations: generations))
    }

    /// Counts a miss that `lookup(countingMiss: false)` left uncounted.
    public func countMiss() {
        misses.increment()
    }

    /// Files the chain's answer for a miss, when it may be cached. An acceptance replaces any
    /// entry (a new password takes over at once); a refusal never replaces a live positive
    /// entry, so wrong passwords sent by someone else cannot log a real user out of the cache.
    public func record(_ outcome: CheckOutcome, ticket: CacheTicket) {
        guard let entry = entry(for: outcome, ticket: ticket) else { return }
        let now = self.now()
        let result = state.withLockedValue { state -> (evicted: Int, count: Int)? in
            guard !state.closed else { return nil }
            // A store that changed while the chain ran: this answer is already out of date.
            guard entry.stamps.allSatisfy({ state.lastSeen($0.backend) == $0.generation }) else { return nil }
            if !entry.accepted, let existing = state.table.peek(ticket.key), existing.accepted, existing.expires > now {
                return nil
            }
            let evicted = state.table.set(entry, for: ticket.key)
            return (evicted, state.table.count)
        }
        guard let result else { return }
        if result.evicted > 0 { evictions.increment(by: result.evicted) }
        size.record(result.count)
    }

    /// Forgets every entry and answers nothing from memory any more; for an engine that a
    /// reload replaced (checks it still runs must not refill it) or that shuts down.
    public func close() {
        state.withLockedValue { state in
            state.closed = true
            state.table.removeAll()
            state.seen = [:]
        }
        size.record(0)
    }

    public var count: Int { state.withLockedValue { $0.table.count } }

    /// Keys from most to least recently used.
    package var keysByRecency: [CacheKey] { state.withLockedValue { $0.table.keysByRecency } }

    /// What the cache holds, for tests that prove it holds no password.
    package var storedEntries: [(key: CacheKey, entry: CacheEntry)] { state.withLockedValue { $0.table.entries } }

    /// The digest an entry for `password` would hold.
    package func digest(of password: Secret) -> PasswordDigest {
        mac.digest(of: password)
    }

    private func entry(for outcome: CheckOutcome, ticket: CacheTicket) -> CacheEntry? {
        let ttl: TimeAmount
        switch outcome.result {
        case .ok: ttl = settings.ttl
        case .failed: ttl = settings.negativeTTL
        case .unavailable: return nil
        }
        guard ttl > .zero, outcome.note == nil, !outcome.trail.isEmpty else { return nil }
        var stamps: [BackendStamp] = []
        stamps.reserveCapacity(outcome.trail.count)
        for step in outcome.trail {
            if case .unavailable = step.verdict { return nil }
            guard !uncachedBackends.contains(step.backend),
                  let position = ticket.chain.firstIndex(of: step.backend),
                  let generation = ticket.generations[position]
            else { return nil }
            stamps.append(BackendStamp(backend: step.backend, generation: generation))
        }
        return CacheEntry(
            digest: ticket.digest, accepted: outcome.result == .ok, expires: now() + ttl,
            backend: outcome.backend, trail: outcome.trail, stamps: stamps)
    }
}
