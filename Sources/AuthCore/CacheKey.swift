/// What a cached answer is filed under: the canonical identity and the service, which together
/// also fix the route (routes match on realm and service only).
package struct CacheKey: Hashable, Sendable {
    package var user: String
    package var realm: String
    package var service: String

    package init(user: String, realm: String, service: String) {
        self.user = user
        self.realm = realm
        self.service = service
    }
}
