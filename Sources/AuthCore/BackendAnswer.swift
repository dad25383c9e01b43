public import NIOCore

/// A verdict together with the failure delay the store asked for.
///
/// Some stores ask for a pause after a failure (PAM modules through `pam_fail_delay`). The
/// backend must not sleep on its thread for it; it reports the wish here and the one answer
/// is held on an event loop's timer, within `failure_delay`'s floor and cap.
public struct BackendAnswer: Sendable, Equatable {
    public var verdict: BackendVerdict
    /// Zero when the store asked for none.
    public var requestedDelay: TimeAmount

    public init(verdict: BackendVerdict, requestedDelay: TimeAmount = .zero) {
        self.verdict = verdict
        self.requestedDelay = requestedDelay
    }
}
