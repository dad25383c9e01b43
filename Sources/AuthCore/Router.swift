public import AuthWire
/// Picks the route for an identity and service: first match wins.
public struct Router: Sendable {
    public let routes: [Route]

    public init(routes: [Route]) {
        self.routes = routes
    }

    public func route(for identity: CanonicalIdentity, service: ByteString) -> Route? {
        index(for: identity, service: service).map { routes[$0] }
    }

    /// The position in `routes` of the route `route(for:service:)` picks.
    public func index(for identity: CanonicalIdentity, service: ByteString) -> Int? {
        routes.firstIndex { $0.matches(identity: identity, service: service) }
    }
}
