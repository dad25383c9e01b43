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
        TextPieces.collect(writeLogText)
    }

    /// `logText` in pieces (see `TextPieces`).
    func writeLogText(_ write: TextPieceWriter) {
        switch self {
        case .accepted:
            TextPieces.write("accepted", write)
        case .rejected(let reason):
            Self.write("rejected", because: reason, write)
        case .unknownUser:
            TextPieces.write("unknown user", write)
        case .unavailable(let reason):
            Self.write("unavailable", because: reason, write)
        }
    }

    /// `word (reason)`.
    private static func write(_ word: StaticString, because reason: String, _ write: TextPieceWriter) {
        TextPieces.write(word, write)
        TextPieces.write(" (", write)
        TextPieces.write(reason, write)
        TextPieces.write(")", write)
    }
}
