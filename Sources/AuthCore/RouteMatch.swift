/// The `match:` of a route. Every given condition must hold; a nil condition matches anything.
public struct RouteMatch: Sendable, Equatable {
    /// Canonical realms (stored in canonical spelling).
    public var realms: [String]?
    /// Service names, compared exactly (services are case-sensitive in PAM and Cyrus).
    public var services: [String]?

    public init(realms: [String]? = nil, services: [String]? = nil) {
        self.realms = realms?.map(IdentityNormalizer.canonicalRealmSpelling)
        self.services = services
    }

    public func matches(identity: CanonicalIdentity, service: String) -> Bool {
        if let realms, !realms.contains(identity.realm) { return false }
        if let services, !services.contains(service) { return false }
        return true
    }

    public var description: String {
        var parts: [String] = []
        if let realms { parts.append("realm in [\(realms.joined(separator: ", "))]") }
        if let services { parts.append("service in [\(services.joined(separator: ", "))]") }
        return parts.isEmpty ? "anything" : parts.joined(separator: " and ")
    }
}
