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
        guard requestedDelay > .zero else { return "\(backend): \(verdict.logText)" }
        return "\(backend): \(verdict.logText), asked for a \(requestedDelay.nanoseconds / 1_000_000) ms delay"
    }
}
