import Synchronization

/// A connection's standing among the idle ones (see `ConnectionBudget`): registered once, when
/// the connection goes to SwiftNIO, then marked idle or busy by an atomic store.
///
/// A connection that keeps its connection (Dovecot's, Postfix's) turns busy and idle again with
/// every request; doing that under the budget's lock, with a dictionary entry and an eviction
/// closure made each time, cost a few per cent of such a check. Only an eviction, which runs
/// when the budget is spent and a client waits, looks at all the marks.
final class IdleMark: Sendable {
    /// 0 while the connection has something to do; otherwise when it became idle, on the
    /// budget's idle clock (so the oldest has the smallest value).
    let since = Atomic<UInt64>(0)
    /// Closes the connection to make room.
    let evict: @Sendable () -> Void

    init(evict: @escaping @Sendable () -> Void) {
        self.evict = evict
    }
}
