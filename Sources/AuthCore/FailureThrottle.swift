import Foundation
import NIOConcurrencyHelpers
public import NIOCore

/// Failure counts per canonical user and per client host, and the delay they earn.
///
/// Each failure adds one to its keys' counts after the counts have decayed (halving every
/// `halfLife` since their last failure), so a burst of wrong passwords quickly earns delays of
/// `initial`, 2×, 4×… up to `max`, while a user who mistypes now and then never notices. The
/// delay is applied to the answer on the event loop like the failure delay; no thread waits
/// and successful checks are never delayed. Bounded: past `maxEntries` keys, the least
/// recently failed is forgotten.
public final class FailureThrottle: Sendable {
    public enum Key: Hashable, Sendable {
        case user(String)
        case client(String)

        /// Which counter earned a delay, for the log (the user or address itself is already
        /// on the line).
        public var logName: String {
            switch self {
            case .user: return "user"
            case .client: return "client"
            }
        }
    }

    public let settings: ThrottleSettings
    private let now: @Sendable () -> NIODeadline
    private struct Entry {
        var score: Double
        var last: NIODeadline
    }
    private struct State {
        var entries: [Key: Entry] = [:]
    }
    private let state = NIOLockedValueBox(State())

    public init(settings: ThrottleSettings, now: @escaping @Sendable () -> NIODeadline = { .now() }) {
        self.settings = settings
        self.now = now
    }

    /// Records one failure for each key and returns the delay the worst of them has earned,
    /// with the key that earned it.
    public func recordFailure(keys: [Key]) -> (delay: TimeAmount, key: Key?) {
        guard settings.enabled, !keys.isEmpty else { return (.zero, nil) }
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
            if state.entries.count > settings.maxEntries { evict(&state) }
            return worst
        }
    }

    /// The current (decayed) failure count of a key, for tests and `explain`.
    public func score(of key: Key) -> Double {
        let time = now()
        return state.withLockedValue { state in state.entries[key].map { decayed($0, at: time) } ?? 0 }
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

    /// Drops the tenth of the keys that failed longest ago: rarely run, and never on a path
    /// that has no failure to pay for it.
    private func evict(_ state: inout State) {
        let excess = state.entries.count - settings.maxEntries + settings.maxEntries / 10
        let oldest = state.entries.sorted { $0.value.last < $1.value.last }.prefix(Swift.max(1, excess))
        for (key, _) in oldest { state.entries[key] = nil }
    }
}
