public import AuthWire
/// A request after the realm rules and routing, before any backend is asked. The client
/// address may still be on its way (saslauthd's fifth field); `Check` is what is asked once it
/// is settled.
///
/// A class, though immutable: the door, the engine and the check each hold it, and as a struct
/// every hand-over retained its score of references one by one (about twenty per check).
public final class PreparedCheck: Sendable {
    public let request: CheckRequest
    public let normalization: Normalization
    public let route: Route?
    /// The route's chain, its backends resolved (in chain order); empty without a route.
    public let backends: [any AuthBackend]
    /// True when a backend on the route wants the client address before it starts.
    public let wantsClientAddress: Bool

    // Inlinable for the reason given in `Check`.
    @inlinable public var identity: CanonicalIdentity { normalization.identity }
    @inlinable public var service: ByteString { request.service }

    public init(request: CheckRequest, normalization: Normalization, route: Route?, backends: [any AuthBackend], wantsClientAddress: Bool) {
        self.request = request
        self.normalization = normalization
        self.route = route
        self.backends = backends
        self.wantsClientAddress = wantsClientAddress
    }
}
