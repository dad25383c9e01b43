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
    public var trail: [String]

    public init(result: Result, backend: String?, route: Int?, trail: [String]) {
        self.result = result
        self.backend = backend
        self.route = route
        self.trail = trail
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
