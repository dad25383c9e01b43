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

    /// The host part of the client address: Cyrus SASL sends `ip;port`, and what a store judges
    /// (PAM_RHOST) is the host.
    public var clientHost: String? { clientAddress.map(Self.host(ofClientAddress:)) }

    public static func host(ofClientAddress address: String) -> String {
        guard let separator = address.lastIndex(of: ";") else { return address }
        return String(address[..<separator])
    }
}
