public import NIOCore

/// The `failure_delay:` section: how long a failed check waits before its answer is sent.
///
/// The wait happens on the event loop (a scheduled task), never on a backend thread, so a
/// spray of wrong passwords slows the sprayer without taking threads away from real users.
/// Every failed answer waits at least `floor`; a store's own request (pam_unix asks about two
/// seconds) is honoured up to `cap`. Unknown users wait exactly like wrong passwords, so the
/// timing does not tell them apart. Answers "temporarily unavailable" are never delayed.
public struct FailureDelay: Sendable, Equatable {
    public var floor: TimeAmount
    public var cap: TimeAmount

    public init(floor: TimeAmount = .zero, cap: TimeAmount = .seconds(3)) {
        self.floor = floor
        self.cap = cap
    }

    /// The wait for a failed answer whose backends asked for `requested` at most.
    public func delay(requested: TimeAmount) -> TimeAmount {
        min(max(requested, floor), cap)
    }
}
