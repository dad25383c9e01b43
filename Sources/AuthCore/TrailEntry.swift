public import NIOCore

/// One backend's verdict in a chain, kept as data and turned into text only when logged.
public struct TrailEntry: Sendable, Equatable, CustomStringConvertible {
    public var backend: String
    public var verdict: BackendVerdict
    /// The failure delay the store asked for (zero for none).
    public var requestedDelay: TimeAmount

    public init(backend: String, verdict: BackendVerdict, requestedDelay: TimeAmount = .zero) {
        self.backend = backend
        self.verdict = verdict
        self.requestedDelay = requestedDelay
    }

    public var description: String {
        TextPieces.collect(write)
    }

    /// `description` in pieces (see `TextPieces`).
    func write(_ write: TextPieceWriter) {
        TextPieces.write(backend, write)
        TextPieces.write(": ", write)
        verdict.writeLogText(write)
        guard requestedDelay > .zero else { return }
        TextPieces.write(", asked for a ", write)
        TextPieces.write(String(requestedDelay.nanoseconds / 1_000_000), write)
        TextPieces.write(" ms delay", write)
    }
}
