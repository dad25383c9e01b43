import Foundation
import SocketTestSupport
import Testing

/// The daemon and client side of the LDAP tests: a saslauthd listener in the sandbox, the
/// credential cache off (every check must reach the directory), and raw exchanges so the
/// answer's text (`NO temporarily unavailable`…) can be checked.
enum LDAPTestSetup {
    /// The standard users of `dc=example,dc=com`: two with passwords, one whose uid is full
    /// of filter metacharacters, and `twin`, present twice (ambiguous).
    static var exampleLDIF: String {
        LDAPFixture.directory(
            LDAPFixture.example,
            people: [("alice", "alice-pw"), ("bob", "bob-pw"), ("x*y(z)", "odd-pw"), ("twin", "twin-pw")],
            staff: [("twin", "twin-pw")],
            extra: LDAPFixture.groups(LDAPFixture.example))
    }

    static let bindFilter = "(&(objectClass=inetOrgPerson)(uid=%u))"

    static func withDaemon<T>(_ sandbox: Sandbox, _ yaml: String, _ test: (TestDaemon) async throws -> T) async throws -> T {
        let config = """
            listen: [ { protocol: saslauthd, path: \(sandbox.socketPath) } ]
            realms: { default: example.com }
            cache: { enabled: false }
            # These tests send many wrong passwords for few users; the throttle has its own tests.
            throttle: { enabled: false }
            \(yaml)
            """
        let path = try sandbox.write(config, to: "authmux.yaml")
        return try await TestDaemon.with(configPath: path, socketPath: sandbox.socketPath, test)
    }

    /// One check over the saslauthd protocol (on a thread of its own: see
    /// `RawSaslauthdClient.exchange`).
    static func ask(_ daemon: TestDaemon, _ login: String, _ password: String, realm: String = "", service: String = "imap") async throws -> SaslauthdReply {
        try await RawSaslauthdClient.exchange(socketPath: daemon.socketPath, fields: [login, password, service, realm])
    }

    static func expect(
        _ daemon: TestDaemon, _ login: String, _ password: String, realm: String = "", service: String = "imap", ok: Bool,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let reply = try await ask(daemon, login, password, realm: realm, service: service)
        #expect(ok ? reply.isOK : reply.isNO, "\(login) / \(password) / \(service): \(reply)", sourceLocation: sourceLocation)
    }
}
