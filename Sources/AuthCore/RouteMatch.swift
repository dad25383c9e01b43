public import AuthWire
/// The `match:` of a route. Every given condition must hold; a nil condition matches anything.
/// Both compare bytes: a realm in canonical spelling, a service exactly (services are
/// case-sensitive in PAM and Cyrus).
public struct RouteMatch: Sendable, Equatable {
    public var realms: [ByteString]?
    public var services: [ByteString]?

    public init(realms: [ByteString]? = nil, services: [ByteString]? = nil) {
        self.realms = realms?.map(IdentityNormalizer.canonicalRealmSpelling)
        self.services = services
    }

    public func matches(identity: CanonicalIdentity, service: ByteString) -> Bool {
        if let realms, !realms.contains(identity.realm) { return false }
        if let services, !services.contains(service) { return false }
        return true
    }

    public var description: String {
        var parts: [String] = []
        if let realms { parts.append("realm in [\(realms.map(\.text).joined(separator: ", "))]") }
        if let services { parts.append("service in [\(services.map(\.text).joined(separator: ", "))]") }
        return parts.isEmpty ? "anything" : parts.joined(separator: " and ")
    }
}
