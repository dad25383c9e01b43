import AuthCore

/// The `result` label of `authmux_checks_total`: what the check came to, finer than the answer
/// the client gets (which never tells an unknown user from a wrong password).
enum CheckResultLabel: Int, CaseIterable, Sendable {
    case ok
    case rejected
    case unknownUser
    case unavailable
    /// Refused before any backend was asked: a malformed request, an empty or over-long field,
    /// a control character.
    case refusedInput

    var text: String {
        switch self {
        case .ok: return "ok"
        case .rejected: return "rejected"
        case .unknownUser: return "unknown_user"
        case .unavailable: return "unavailable"
        case .refusedInput: return "refused_input"
        }
    }

    /// The result and the backend label of an outcome: the backend that decided (accepted or
    /// rejected); for a chain that ended without a decision, the last backend asked; nil when
    /// none was asked (no route matched, the throttle refused the check).
    static func of(_ outcome: CheckOutcome) -> (CheckResultLabel, backend: String?) {
        switch outcome.result {
        case .ok:
            return (.ok, outcome.backend)
        case .unavailable:
            return (.unavailable, outcome.trail.last?.backend)
        case .failed:
            if let backend = outcome.backend { return (.rejected, backend) }
            let unknown = outcome.trail.contains { if case .unknownUser = $0.verdict { return true } else { return false } }
            return (unknown ? .unknownUser : .rejected, outcome.trail.last?.backend)
        }
    }
}
