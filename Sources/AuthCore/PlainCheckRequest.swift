/// A decoded pwcheck or authdaemond request: what the realm rules and the backends need, as the
/// client sent it. Unlike saslauthd there is no realm field; `user@realm` logins split by the
/// realm rules.
public struct PlainCheckRequest: Sendable {
    public var login: String
    public var password: Secret
    public var service: String

    public init(login: String, password: Secret, service: String) {
        self.login = login
        self.password = password
        self.service = service
    }
}
