public import AuthWire
/// One entry of `routes:`: a condition and the ordered chain of backends it sends checks to.
public struct Route: Sendable, Equatable {
    /// 1-based position in `routes:`, as the administrator counts them.
    public var number: Int
    /// Nil for the default route (no `match:`).
    public var match: RouteMatch?
    public var chain: [String]
    public var line: Int

    public init(number: Int, match: RouteMatch?, chain: [String], line: Int) {
        self.number = number
        self.match = match
        self.chain = chain
        self.line = line
    }

    public func matches(identity: CanonicalIdentity, service: ByteString) -> Bool {
        match?.matches(identity: identity, service: service) ?? true
    }

    public var description: String {
        let condition = match.map { "when \($0.description)" } ?? "default"
        return "route \(number) (\(condition)) -> \(chain.joined(separator: ", "))"
    }
}
