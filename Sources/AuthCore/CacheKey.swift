/// What a cached answer is filed under: the canonical identity and the service, which together
/// also fix the route (routes match on realm and service only), and the client address when a
/// backend on the route sees it: a PAM stack may allow a user from one host and refuse the same
/// password from another (pam_access, pam_succeed_if rhost), so an answer for one address must
/// never be replayed for another.
package struct CacheKey: Hashable, Sendable {
    package var user: String
    package var realm: String
    package var service: String
    package var clientAddress: String?

    package init(user: String, realm: String, service: String, clientAddress: String? = nil) {
        self.user = user
        self.realm = realm
        self.service = service
        self.clientAddress = clientAddress
    }
}
