public import NIOCore

/// The end of one check: what the client is told and what the log records.
public struct CheckOutcome: Sendable, Equatable {
    public enum Result: String, Sendable {
        case ok = "OK"
        case failed = "NO"
        case unavailable = "UNAVAILABLE"
    }

    public var result: Result
    /// The backend that decided (accepted or rejected), if any.
    public var backend: String?
    /// The route taken, nil when no route matched.
    public var route: Int?
    /// Every consulted backend's verdict, for the log (never for the client).
    public var trail: [TrailEntry]
    /// Why the chain did not run at all (no route matched, internal error), for the log.
    public var note: String?
    /// The delay decided for a failed check (see `FailureDelay` and `FailureThrottle`),
    /// measured from the start of the check; zero for other results.
    public var delay: TimeAmount = .zero
    /// When the answer may be sent: the start of the check plus `delay`. nil to send at once.
    public var holdUntil: NIODeadline?
    /// Answered from the credential cache, without asking a backend.
    public var cached = false
    /// Set when the throttle, not the failure delay, decided how long the answer waited.
    public var throttledBy: FailureThrottle.Key?

    public init(result: Result, backend: String?, route: Int?, trail: [TrailEntry], note: String? = nil) {
        self.result = result
        self.backend = backend
        self.route = route
        self.trail = trail
        self.note = note
    }

    /// The trail as one log value: `mailusers: unknown user; directory: accepted`.
    public var trailText: String {
        TextPieces.collect(writeTrail)
    }

    /// `trailText` in pieces (see `TextPieces`): the check line writes a refused check's trail
    /// straight into its bytes, where building the String cost about a tenth of the check.
    public func writeTrail(_ write: TextPieceWriter) {
        for (index, entry) in trail.enumerated() {
            if index > 0 { TextPieces.write("; ", write) }
            entry.write(write)
        }
        guard let note else { return }
        if !trail.isEmpty { TextPieces.write("; ", write) }
        TextPieces.write(note, write)
    }

    /// The answer on the wire. The failure text is the same whether or not the user exists.
    public var wireAnswer: String {
        switch result {
        case .ok: return "OK"
        case .failed: return "NO authentication failed"
        case .unavailable: return "NO temporarily unavailable"
        }
    }
}
