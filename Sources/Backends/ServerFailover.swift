import NIOConcurrencyHelpers
package import NIOCore

/// A backend's servers (LDAP `servers`, SQL `hosts`) and which of them failed recently, shared by
/// the backend's threads.
///
/// A server that failed (refused, timed out, stalled) is tried last for `holdDown`, so that one
/// dead or firewalled server does not cost every new connection its timeout; it is never
/// skipped altogether, so when every server has failed the first one to come back answers, and
/// after the hold-down a server that came back is first in line again.
package final class ServerFailover: Sendable {
    package let uris: [String]
    package let holdDown: TimeAmount
    private let failedUntil: NIOLockedValueBox<[NIODeadline?]>

    package init(uris: [String], holdDown: TimeAmount = .seconds(30)) {
        self.uris = uris
        self.holdDown = holdDown
        self.failedUntil = NIOLockedValueBox(Array(repeating: nil, count: uris.count))
    }

    /// Server indexes in the order to try now: the healthy ones in configured order, then the
    /// recently failed ones in configured order.
    package func order() -> [Int] {
        let now = NIODeadline.now()
        let until = failedUntil.withLockedValue { $0 }
        let healthy = uris.indices.filter { until[$0].map { $0 <= now } ?? true }
        let failed = uris.indices.filter { until[$0].map { $0 > now } ?? false }
        return healthy + failed
    }

    /// Whether `index` failed within the hold-down period.
    package func isFailed(_ index: Int) -> Bool {
        let now = NIODeadline.now()
        return failedUntil.withLockedValue { $0[index].map { $0 > now } ?? false }
    }

    package func markFailed(_ index: Int) {
        failedUntil.withLockedValue { $0[index] = .now() + holdDown }
    }

    package func markWorking(_ index: Int) {
        failedUntil.withLockedValue { if $0[index] != nil { $0[index] = nil } }
    }

    /// Whether a connection to `index` should be given up when it goes back to the pool: it
    /// is to a fallback server, has served for a hold-down period, and a server earlier in the
    /// list is no longer marked failed — so traffic returns to the preferred server.
    package func shouldRetire(serverIndex index: Int, opened: NIODeadline) -> Bool {
        guard index > 0, opened + holdDown <= .now() else { return false }
        let now = NIODeadline.now()
        let until = failedUntil.withLockedValue { $0 }
        return (0..<index).contains { until[$0].map { $0 <= now } ?? true }
    }
}
