public import NIOCore

/// The `failure_delay:` section: how long a failed check waits before its answer is sent.
///
/// Every failure on a route is answered at the same time after the check began, whichever
/// backend ended the chain and why: at least `floor`, and as long as the longest delay any
/// backend on the route has asked for (pam_unix asks for 2 s), up to `cap`. The wait is
/// measured from the start of the check, so the work a store did (one LDAP search for an
/// unknown user, a search and a bind for a wrong password; a sasldb miss before a PAM check)
/// is hidden inside it, and the timing does not tell an unknown user from a wrong password.
/// The wait is a timer, never a sleeping thread. Answers "temporarily unavailable" are never
/// delayed.
public struct FailureDelay: Sendable, Equatable {
    public var floor: TimeAmount
    public var cap: TimeAmount

    /// Two seconds, as pam_unix and Dovecot's `auth_failure_delay` default to: long enough to
    /// hide a store's work, short enough for a user who mistyped.
    public static let defaultFloor = TimeAmount.seconds(2)

    public init(floor: TimeAmount = FailureDelay.defaultFloor, cap: TimeAmount = .seconds(3)) {
        self.floor = floor
        self.cap = cap
    }

    /// The wait for a failed answer on a route whose backends asked for `requested` at most.
    public func delay(requested: TimeAmount) -> TimeAmount {
        min(max(requested, floor), cap)
    }
}
