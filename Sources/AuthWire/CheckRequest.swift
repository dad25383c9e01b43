/// One password check as a front door received it, every field already validated by
/// `FieldRules`: what the realm rules, the router and the backends start from, the same for
/// every protocol.
public struct CheckRequest: Sendable {
    public let login: ByteString
    public let password: Secret
    public let service: ByteString
    /// The request's realm field; empty when the protocol has none (pwcheck, authdaemond).
    public let realm: ByteString
    /// The client's address (`ip;port` on saslauthd's fifth field) when the door carries one.
    public let clientAddress: ByteString?

    /// The only way to make a request: refuses an empty login or password, a NUL in any field,
    /// and control or invisible characters in the names. The password bytes are copied into a
    /// `Secret`; the caller wipes its own buffer.
    public static func validate<Login: Collection, Service: Collection, Realm: Collection>(
        login: Login, password: UnsafeRawBufferPointer, service: Service, realm: Realm, clientAddress: [UInt8]? = nil
    ) -> Result<CheckRequest, RequestRefusal> where Login.Element == UInt8, Service.Element == UInt8, Realm.Element == UInt8 {
        if let problem = FieldRules.nameProblem(login) { return .failure(.field("login", problem)) }
        if login.isEmpty { return .failure(.emptyLogin) }
        if let problem = FieldRules.passwordProblem(password) { return .failure(.field("password", problem)) }
        if password.isEmpty { return .failure(.emptyPassword) }
        if let problem = FieldRules.nameProblem(service) { return .failure(.field("service", problem)) }
        if let problem = FieldRules.nameProblem(realm) { return .failure(.field("realm", problem)) }
        if let clientAddress, let problem = FieldRules.nameProblem(clientAddress) {
            return .failure(.field("client address", problem))
        }
        return .success(CheckRequest(
            login: ByteString(bytes: login), password: Secret(copying: password), service: ByteString(bytes: service),
            realm: ByteString(bytes: realm), clientAddress: clientAddress.map(ByteString.init)))
    }

    /// For tests and local tools that build a request from text they control; the same rules.
    public static func validate(login: String, password: Secret, service: String, realm: String = "", clientAddress: String? = nil)
        -> Result<CheckRequest, RequestRefusal>
    {
        password.withUnsafeBytes { bytes in
            validate(
                login: Array(login.utf8), password: bytes, service: Array(service.utf8), realm: Array(realm.utf8),
                clientAddress: clientAddress.map { Array($0.utf8) })
        }
    }

    /// The same request with a fifth field that arrived after the first four, under the same
    /// rules as the others.
    public func adding<Address: Collection>(clientAddress address: Address) -> Result<CheckRequest, RequestRefusal>
    where Address.Element == UInt8 {
        if let problem = FieldRules.nameProblem(address) { return .failure(.field("client address", problem)) }
        return .success(CheckRequest(login: login, password: password, service: service, realm: realm, clientAddress: ByteString(bytes: address)))
    }

    /// The host part of the client address: Cyrus SASL sends `ip;port`, and what a store judges
    /// (PAM_RHOST, the throttle) is the host.
    public var clientHost: ByteString? {
        clientAddress.map(Self.host(ofClientAddress:))
    }

    public static func host(ofClientAddress address: ByteString) -> ByteString {
        guard let separator = address.lastIndex(of: UInt8(ascii: ";")) else { return address }
        return address[0..<separator]
    }

    private init(login: ByteString, password: Secret, service: ByteString, realm: ByteString, clientAddress: ByteString?) {
        self.login = login
        self.password = password
        self.service = service
        self.realm = realm
        self.clientAddress = clientAddress
    }
}
