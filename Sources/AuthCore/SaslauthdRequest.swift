/// One decoded saslauthd request, as the client sent it (before any realm rule applies).
public struct SaslauthdRequest: Sendable {
    public var login: String
    public var password: Secret
    public var service: String
    public var realm: String
    /// The fifth field of Cyrus SASL's development branch (`ip;port`), nil for the four-field form.
    public var clientAddress: String?

    public init(login: String, password: Secret, service: String, realm: String, clientAddress: String? = nil) {
        self.login = login
        self.password = password
        self.service = service
        self.realm = realm
        self.clientAddress = clientAddress
    }
}
