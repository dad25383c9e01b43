/// A backend's answer for one check (shared/DESIGN.md, "Verdicts and chains").
public enum BackendVerdict: Sendable, Equatable {
    /// The password is right.
    case accepted
    /// The user exists and the check failed: wrong password, locked or expired account.
    /// Stops the chain. The reason is for the log only.
    case rejected(reason: String)
    /// This store does not know the user; the next backend in the chain is asked.
    case unknownUser
    /// The store could not answer (down, timed out, misconfigured); the next backend is asked.
    /// Never cached. The reason is for the log only.
    case unavailable(reason: String)

    /// Short form for log lines.
    public var logText: String {
        switch self {
        case .accepted: return "accepted"
        case .rejected(let reason): return "rejected (\(reason))"
        case .unknownUser: return "unknown user"
        case .unavailable(let reason): return "unavailable (\(reason))"
        }
    }
}
