/// One backend's verdict in a chain, kept as data and turned into text only when logged.
public struct TrailEntry: Sendable, Equatable, CustomStringConvertible {
    public var backend: String
    public var verdict: BackendVerdict

    public init(backend: String, verdict: BackendVerdict) {
        self.backend = backend
        self.verdict = verdict
    }

    public var description: String { "\(backend): \(verdict.logText)" }
}
