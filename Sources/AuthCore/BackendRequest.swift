/// What a backend is asked: the canonical identity (each backend renders it its own way), the
/// request's service, the password and, when the client sent one, its address.
public struct BackendRequest: Sendable {
    public var identity: CanonicalIdentity
    public var service: String
    public var password: Secret
    public var clientAddress: String?

    public init(identity: CanonicalIdentity, service: String, password: Secret, clientAddress: String? = nil) {
        self.identity = identity
        self.service = service
        self.password = password
        self.clientAddress = clientAddress
    }
}
