import CLDAP

/// An LDAP operation that did not reach a verdict: the server could not be reached, stalled,
/// refused the service identity, or the library failed. Never a wrong password.
struct LDAPFailure: Error, Sendable, CustomStringConvertible {
    /// libldap's result code (negative for client-side errors such as a timeout).
    var code: Int32
    /// What failed, with libldap's text and the server's diagnostic message.
    var message: String
    /// The server URI involved, when known.
    var server: String?

    var description: String { server.map { "\($0): \(message)" } ?? message }

    /// The connection can no longer be trusted (its state after a client-side error, a timeout
    /// above all, is unknown): close it instead of returning it to the pool.
    var dropsConnection: Bool { code < 0 || Self.serverLevel.contains(code) }

    /// The server, not this request, is the problem: another server in `servers` may answer.
    var triesNextServer: Bool { Self.serverLevel.contains(code) }

    /// LDAP_SERVER_DOWN, LDAP_TIMEOUT, LDAP_CONNECT_ERROR (TLS handshakes and certificate
    /// checks fail with it), LDAP_BUSY, LDAP_UNAVAILABLE.
    static let serverLevel: Set<Int32> = [-1, -5, -11, 51, 52]

    static func text(of code: Int32) -> String {
        String(cString: ldap_err2string(code))
    }
}
