public import AuthWire
/// A request after the realm rules and routing, before any backend is asked. The client
/// address may still be on its way (saslauthd's fifth field); `Check` is what is asked once it
/// is settled.
public struct PreparedCheck: Sendable {
    public var request: CheckRequest
    public var normalization: Normalization
    public var route: Route?
    /// True when a backend on the route wants the client address before it starts.
    public var wantsClientAddress: Bool

    public var identity: CanonicalIdentity { normalization.identity }
    public var service: ByteString { request.service }

    public init(request: CheckRequest, normalization: Normalization, route: Route?, wantsClientAddress: Bool) {
        self.request = request
        self.normalization = normalization
        self.route = route
        self.wantsClientAddress = wantsClientAddress
    }
}
