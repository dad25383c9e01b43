public import AuthWire
import Foundation
import NIOConcurrencyHelpers
public import NIOCore

/// Failure counts per account and per client host, the delay they earn, and a gate that keeps
/// the store from being asked faster than that delay allows.
///
/// Each failure adds one to its keys' counts after the counts have decayed (halving every
/// `halfLife` since their last failure), so a burst of wrong passwords quickly earns delays of
/// `initial`, 2×, 4×… up to `max`, while a user who mistypes now and then never notices.
///
/// A delay that only holds back the answer does not slow a client that sends its guesses in
/// parallel and reads "no answer yet" as a failure: the store would still check every guess.
/// So a check must also hold a slot on each of its keys while it asks the store, at most
/// `inFlight` at once per key, one at once for a key over its free failures; a failed check
/// keeps its slots until its answer is sent. Whatever the client's parallelism, a throttled
/// account is then checked at most once per delay; further checks wait in a bounded queue per
/// key, and past it are refused without asking the store. No thread waits: a waiting check is
/// a closure, resumed by the release that makes room.
public final class FailureThrottle: Sendable {
    /// What the throttle counts: an account as one backend's store tells accounts apart, or a
    /// client host.
    public struct Key: Hashable, Sendable {
        public enum Kind: Hashable, Sendable {
            case account
            case client
        }

        public let kind: Kind
        /// For accounts, the backend whose store was asked; empty for clients.
        public let scope: String
        public let value: ByteString

        public static func account(backend: String, _ value: ByteString) -> Key { Key(kind: .account, scope: backend, value: value) }
        public static func client(_ host: ByteString) -> Key { Key(kind: .client, scope: "", value: host) }

        /// Which counter earned a delay, for the log (the user or address itself is already
        /// on the line).
        public var logName: String {
            switch kind {
            case .account: return "user"
            case .client: return "client"
            }
        }
    }

    /// The gate's answer for one check.
    public enum Admission: Sendable {
        /// The check may ask the store; release the pass when its answer is sent.
        case admitted(ThrottlePass)
        /// A key has no free slot; `wake` is called once when one may have been freed, and the
        /// check asks again (with `resumed: true`).
        case queued
        /// A key's queue is full: answer without asking the store.
        case refused(Key)
    }

    public let settings: ThrottleSettings
    private let now: @Sendable () -> NIODeadline

    private struct Waiter {
        var wake: @Sendable () -> Void
    }

    private struct Entry {
        var score: Double
        var last: NIODeadline
        var running = 0
        var waiters: [Waiter] = []
    }

    private struct State {
        var entries: [Key: Entry] = [:]
    }

    private let state = NIOLockedValueBox(State())

    public init(settings: ThrottleSettings, now: @escaping @Sendable () -> NIODeadline = { .now() }) {
        self.settings = settings
        self.now = now
    }

    /// Takes a slot on every key, or none: all or nothing, so two checks can never each hold
    /// what the other waits for. A new check queues behind earlier waiters; a `resumed` one
    /// (woken from a queue) may take a free slot before them and, if it must wait again, waits
    /// at the front.
    public func admit(_ keys: [Key], resumed: Bool = false, wake: @escaping @Sendable () -> Void) -> Admission {
        guard !keys.isEmpty else { return .admitted(ThrottlePass(throttle: nil, keys: [])) }
        let time = now()
        return state.withLockedValue { state -> Admission in
            guard let blocking = takeSlots(keys, resumed: resumed, state: &state, at: time) else {
                return .admitted(ThrottlePass(throttle: self, keys: keys))
            }
            var entry = state.entries[blocking]!
            guard entry.waiters.count < settings.queue else { return .refused(blocking) }
            if resumed {
                entry.waiters.insert(Waiter(wake: wake), at: 0)
            } else {
                entry.waiters.append(Waiter(wake: wake))
            }
            state.entries[blocking] = entry
            return .queued
        }
    }

    /// `admit` for a caller that cannot wait (a check answered on the accepting thread): the
    /// slots, or nil having queued and counted nothing.
    public func tryAdmit(_ keys: [Key]) -> ThrottlePass? {
        guard !keys.isEmpty else { return ThrottlePass(throttle: nil, keys: []) }
        let time = now()
        return state.withLockedValue { state -> ThrottlePass? in
            takeSlots(keys, resumed: false, state: &state, at: time) == nil ? ThrottlePass(throttle: self, keys: keys) : nil
        }
    }

    /// Takes one slot on every key and returns nil, or takes none and returns the first key
    /// without room.
    private func takeSlots(_ keys: [Key], resumed: Bool, state: inout State, at time: NIODeadline) -> Key? {
        for key in keys {
            guard let entry = state.entries[key] else { continue }
            let limit = decayed(entry, at: time) > Double(settings.freeFailures) ? 1 : settings.inFlight
            if entry.running >= limit || (!resumed && !entry.waiters.isEmpty) { return key }
        }
        for key in keys {
            state.entries[key, default: Entry(score: 0, last: time)].running += 1
        }
        if state.entries.count > settings.maxEntries { evict(&state, at: time) }
        return nil
    }

    /// Gives back a pass's slots and wakes the first waiter of each key.
    func release(_ keys: [Key]) {
        let time = now()
        let woken = state.withLockedValue { state -> [Waiter] in
            var woken: [Waiter] = []
            for key in keys {
                guard var entry = state.entries[key] else { continue }
                entry.running = max(0, entry.running - 1)
                if !entry.waiters.isEmpty { woken.append(entry.waiters.removeFirst()) }
                if entry.running == 0 && entry.waiters.isEmpty && decayed(entry, at: time) < 0.01 {
                    state.entries[key] = nil
                } else {
                    state.entries[key] = entry
                }
            }
            return woken
        }
        for waiter in woken { waiter.wake() }
    }

    /// Records one failure for each key and returns the delay the worst of them has earned,
    /// with the key that earned it.
    public func recordFailure(keys: [Key]) -> (delay: TimeAmount, key: Key?) {
        guard !keys.isEmpty else { return (.zero, nil) }
        let time = now()
        return state.withLockedValue { state in
            var worst: (delay: TimeAmount, key: Key?) = (.zero, nil)
            for key in keys {
                var entry = state.entries[key] ?? Entry(score: 0, last: time)
                entry.score = decayed(entry, at: time) + 1
                entry.last = time
                state.entries[key] = entry
                let delay = self.delay(forScore: entry.score)
                if delay > worst.delay { worst = (delay, key) }
            }
            if state.entries.count > settings.maxEntries { evict(&state, at: time) }
            return worst
        }
    }

    /// Accounts and client hosts the throttle holds a count or a slot for, for metrics.
    public var trackedKeys: Int { state.withLockedValue { $0.entries.count } }

    /// The current (decayed) failure count of a key, for tests and `explain`.
    public func score(of key: Key) -> Double {
        let time = now()
        return state.withLockedValue { state in state.entries[key].map { decayed($0, at: time) } ?? 0 }
    }

    /// Checks holding a slot on `key` and checks waiting for one, for tests.
    package func load(of key: Key) -> (running: Int, waiting: Int) {
        state.withLockedValue { state in state.entries[key].map { ($0.running, $0.waiters.count) } ?? (0, 0) }
    }

    func delay(forScore score: Double) -> TimeAmount {
        let over = score - Double(settings.freeFailures)
        guard over > 0 else { return .zero }
        // The first failure past the free ones waits `initial`; each one after doubles it.
        let factor = pow(2.0, over.rounded(.up) - 1)
        let nanos = min(Double(settings.max.nanoseconds), Double(settings.initial.nanoseconds) * factor)
        return .nanoseconds(Int64(nanos))
    }

    private func decayed(_ entry: Entry, at time: NIODeadline) -> Double {
        let elapsed = Double((time - entry.last).nanoseconds)
        guard elapsed > 0, settings.halfLife.nanoseconds > 0 else { return entry.score }
        return entry.score * pow(0.5, elapsed / Double(settings.halfLife.nanoseconds))
    }

    /// Drops the tenth of the idle keys that failed longest ago: rarely run, and never on a
    /// path that has no failure or new key to pay for it. Keys with checks running or waiting
    /// are kept, so no pass or waiter is ever orphaned.
    private func evict(_ state: inout State, at time: NIODeadline) {
        let excess = state.entries.count - settings.maxEntries + settings.maxEntries / 10
        let idle = state.entries.filter { $0.value.running == 0 && $0.value.waiters.isEmpty }
        let oldest = idle.sorted { $0.value.last < $1.value.last }.prefix(Swift.max(1, excess))
        for (key, _) in oldest { state.entries[key] = nil }
    }
}
