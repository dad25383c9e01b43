import SocketTestSupport
import Testing

/// The setup most tests share: a sandbox, a sasldb made by `saslpasswd2` holding
/// `foo@example.com`, and a daemon running `DaemonConfig` against it.
enum StandardSetup {
    static let user = "foo"
    static let realm = "example.com"
    /// Punctuation and a space on purpose: the password travels as bytes, never as words.
    static let password = "Tr0ub4dor &3"
    static let service = "smtp"

    static func run<T>(
        configure: (inout DaemonConfig) -> Void = { _ in },
        _ body: (Sandbox, SaslDB, TestDaemon) async throws -> T
    ) async throws -> T {
        try await Sandbox.with { sandbox in
            let db = SaslDB(path: sandbox.sasldbPath)
            try await db.setPassword(password, user: user, realm: realm)
            var config = DaemonConfig(sandbox: sandbox)
            configure(&config)
            let configPath = try config.write(into: sandbox)
            return try await TestDaemon.with(configPath: configPath, socketPath: config.socketPath) { daemon in
                try await body(sandbox, db, daemon)
            }
        }
    }

    /// A known-good request over a raw connection must be accepted: proof that the daemon still
    /// serves after whatever the test just did to it.
    static func expectStillServes(_ daemon: TestDaemon, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let reply = try await RawSaslauthdClient.exchange(
            socketPath: daemon.socketPath, fields: [user, password, service, realm])
        #expect(reply.isOK, "a good request after the previous one: \(reply)\n\(daemon.logTail)",
                sourceLocation: sourceLocation)
    }
}
