/// A request after the realm rules and routing, before any backend is asked.
public struct PreparedCheck: Sendable {
    public var normalization: Normalization
    public var service: String
    public var route: Route?
    /// True when a backend on the route wants the client address before it starts.
    public var wantsClientAddress: Bool

    public var identity: CanonicalIdentity { normalization.identity }

    public init(normalization: Normalization, service: String, route: Route?, wantsClientAddress: Bool) {
        self.normalization = normalization
        self.service = service
        self.route = route
        self.wantsClientAddress = wantsClientAddress
    }
}
