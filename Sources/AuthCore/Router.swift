public import AuthWire
/// Picks the route for an identity and service: first match wins.
public struct Router: Sendable {
    public let routes: [Route]

    public init(routes: [Route]) {
        self.routes = routes
    }

    public func route(for identity: CanonicalIdentity, service: ByteString) -> Route? {
        routes.first { $0.matches(identity: identity, service: service) }
    }
}
