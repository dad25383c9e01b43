import Logging
import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// The open connections of all listeners, against `limits.max_connections`.
///
/// Each listener's accept threads reserve a slot before they wait in `accept`, so together they
/// never accept past the limit; while the budget is spent they register a wake-up here, and any
/// connection that ends, on any listener, wakes them all.
///
/// Connections waiting for their request are marked idle. When the budget is spent and a new
/// client is waiting to be accepted, the one idle the longest is closed to make room for it, so a
/// client holding many silent connections cannot keep everyone else out: real clients send
/// their request as soon as they connect, so they are almost never idle, and never for long.
final class ConnectionBudget: Sendable {
    let limit: Int
    private struct State {
        var open = 0
        var waiters: [@Sendable () -> Void] = []
        var lastWarning: NIODeadline?
        var pausesSinceWarning = 0
        /// Connections that may become idle: every one handed to SwiftNIO, until it ends.
        var marks: [UInt64: IdleMark] = [:]
        /// Connections closed to make room whose slot has not come back yet: one newcomer seen
        /// by several accept threads at once is worth one eviction, not one per thread.
        var evictionsPending = 0
    }
    /// Under sustained overload accepting pauses and resumes with every connection; the warning
    /// is repeated at most this often, with the number of pauses in between.
    private static let warningInterval = TimeAmount.seconds(10)
    private let state = NIOLockedValueBox(State())

    init(limit: Int) {
        self.limit = limit
    }

    var isSpent: Bool { state.withLockedValue { $0.open >= limit } }

    func opened() {
        state.withLockedValue { $0.open += 1 }
    }

    /// Counts a connection not yet accepted, if there is room; `closed()` gives it back. A
    /// `DoorListener` thread reserves before it waits in `accept`, so its threads together never
    /// accept past the limit.
    func reserve() -> Bool {
        state.withLockedValue { state in
            guard state.open < limit else { return false }
            state.open += 1
            return true
        }
    }

    func closed() {
        let waiters = state.withLockedValue { state -> [@Sendable () -> Void] in
            state.open -= 1
            state.evictionsPending = max(state.evictionsPending - 1, 0)
            let waiters = state.waiters
            state.waiters = []
            return waiters
        }
        for wake in waiters { wake() }
    }

    /// The idle clock: a mark's `since` is taken from it, so the oldest idle has the lowest.
    private let idleClock = Atomic<UInt64>(0)

    /// Connection `id` may become idle from now on, and is closed through `mark.evict`.
    func register(_ id: UInt64, _ mark: IdleMark) {
        state.withLockedValue { $0.marks[id] = mark }
    }

    /// Connection `id` has ended.
    func unregister(_ id: UInt64) {
        _ = state.withLockedValue { $0.marks.removeValue(forKey: id) }
    }

    /// The connection waits for its client: it may be closed to make room. Keeps the time it
    /// first became idle.
    func markIdle(_ mark: IdleMark) {
        guard mark.since.load(ordering: .relaxed) == 0 else { return }
        mark.since.store(idleClock.wrappingAdd(1, ordering: .relaxed).newValue, ordering: .relaxed)
    }

    /// The connection has a request under way.
    func markBusy(_ mark: IdleMark) {
        mark.since.store(0, ordering: .relaxed)
    }

    /// Closes the connection that has been idle the longest, if any and if no earlier eviction's
    /// slot is still on its way back; true when one was closed. Its slot comes back when it has
    /// closed, through `closed()`. A scan of the marks: it runs only when the budget is spent
    /// and a client waits. A connection that turned busy during the scan is left alone (the
    /// caller looks again shortly).
    func evictOldestIdle() -> Bool {
        let evict = state.withLockedValue { state -> (@Sendable () -> Void)? in
            guard state.evictionsPending == 0 else { return nil }
            var oldest: (since: UInt64, mark: IdleMark)?
            for mark in state.marks.values {
                let since = mark.since.load(ordering: .relaxed)
                if since != 0, since < oldest?.since ?? .max { oldest = (since, mark) }
            }
            // Claimed, so no other eviction picks it: it counts as busy from now on.
            guard let oldest, oldest.mark.since.compareExchange(expected: oldest.since, desired: 0, ordering: .relaxed).exchanged else {
                return nil
            }
            state.evictionsPending += 1
            return oldest.mark.evict
        }
        guard let evict else { return false }
        evict()
        return true
    }

    /// Calls `wake` once, after the next connection ends.
    func waitForRoom(_ wake: @escaping @Sendable () -> Void) {
        state.withLockedValue { $0.waiters.append(wake) }
    }

    /// Records that `listenerPath` stopped accepting for want of room, and warns when the last
    /// warning is old enough.
    func notePause(listenerPath: String, logger: Logger) {
        let now = NIODeadline.now()
        let pauses = state.withLockedValue { state -> Int? in
            state.pausesSinceWarning += 1
            guard state.lastWarning.map({ now - $0 >= Self.warningInterval }) ?? true else { return nil }
            state.lastWarning = now
            defer { state.pausesSinceWarning = 0 }
            return state.pausesSinceWarning
        }
        guard let pauses else { return }
        logger.warning("connection limit reached: accepting paused", metadata: [
            "max_connections": "\(limit)", "listener": "\(listenerPath)", "pauses": "\(pauses)",
        ])
    }
}
