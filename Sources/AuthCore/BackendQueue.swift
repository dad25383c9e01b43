import NIOConcurrencyHelpers

/// Bounds how many checks one backend holds at once (waiting for a thread or running).
///
/// A store that slows down (a stalled LDAP server, a PAM stack waiting on the network) must not
/// let checks pile up without end: past the bound, a check is answered "unavailable" at once
/// and the chain moves on, and memory stays bounded however many clients keep asking.
final class BackendQueue: Sendable {
    let limit: Int
    private let count = NIOLockedValueBox(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// Takes a place, or returns false when the queue is full.
    func enter() -> Bool {
        count.withLockedValue { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    /// Checks held now (waiting for a thread or running), for metrics.
    var held: Int { count.withLockedValue { $0 } }

    func leave() {
        count.withLockedValue { $0 -= 1 }
    }
}
