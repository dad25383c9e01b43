import SocketTestSupport
import Testing

/// The real thing: an unmodified libsasl2 server application (Tests/Fixtures/sasl_consumer.c,
/// compiled here against the system's libsasl2) with `pwcheck_method: saslauthd` pointed at the
/// daemon, calling `sasl_checkpass` as Postfix or Sendmail do.
///
/// Facts from Cyrus SASL 2.1.28 (lib/checkpw.c, lib/canonusr.c, lib/server.c), confirmed on this
/// machine against a recording socket: libsasl2 reads `<dir>/<appname>.conf` for each directory
/// the SASL_CB_GETCONFPATH callback returns; `sasl_checkpass("foo@example.com")` sends login
/// `foo` and realm `example.com` (split at the last `@`); a bare `foo` is sent with the
/// `user_realm` given to `sasl_server_new`, which is an EMPTY realm field when that is NULL (the
/// usual case) — so a bare login depends on `realms.default`. The service field is the service
/// name given to `sasl_server_new`. Four fields, never a client address.
@Suite(.timeLimit(.minutes(2)))
struct LibSaslConsumerTests {
    typealias S = StandardSetup

    /// Compiles the consumer into the sandbox and writes its SASL configuration.
    static func buildConsumer(in sandbox: Sandbox, socketPath: String) async throws -> (binary: String, confDir: String) {
        let source = IntegrationEnvironment.fixturesDirectory + "/sasl_consumer.c"
        let binary = sandbox.file("consumer")
        let compile = try await ProcessRunner.run(
            try IntegrationEnvironment.systemTool("cc"), ["-o", binary, source, "-lsasl2"], timeout: .seconds(60))
        guard compile.termination == .exited(0) else {
            throw IntegrationError("compiling the libsasl2 consumer failed (is libsasl2-dev installed?): \(compile)")
        }
        let confDir = try sandbox.makeDirectory("sasl")
        try sandbox.write(
            "pwcheck_method: saslauthd\nsaslauthd_path: \(socketPath)\n", to: "sasl/authmuxtest.conf")
        return (binary, confDir)
    }

    @Test func libsasl2ConsumerAuthenticatesThroughTheDaemon() async throws {
        try await S.run { sandbox, _, daemon in
            let (consumer, confDir) = try await Self.buildConsumer(in: sandbox, socketPath: daemon.socketPath)
            func check(_ user: String, _ password: String, extra: [String] = []) async throws -> ProcessResult {
                try await ProcessRunner.run(
                    consumer, ["-c", confDir, "-s", S.service] + extra + [user, password], timeout: .seconds(20))
            }

            let qualified = try await check("foo@example.com", S.password)
            #expect(qualified.termination == .exited(0) && qualified.stdout.contains("SASL_OK"),
                    "foo@example.com through libsasl2: \(qualified)\n\(daemon.logTail)")

            // Sent with an empty realm field: reaches example.com through realms.default.
            let bare = try await check("foo", S.password)
            #expect(bare.termination == .exited(0) && bare.stdout.contains("SASL_OK"),
                    "bare foo through libsasl2: \(bare)\n\(daemon.logTail)")

            let alias = try await check("foo@mail.example.com", S.password)
            #expect(alias.termination == .exited(0), "foo@mail.example.com through libsasl2: \(alias)\n\(daemon.logTail)")

            // A server that passes its realm to sasl_server_new: bare foo is sent with that realm.
            let withUserRealm = try await check("foo", S.password, extra: ["-r", "mail.example.com"])
            #expect(withUserRealm.termination == .exited(0),
                    "bare foo with user_realm mail.example.com: \(withUserRealm)\n\(daemon.logTail)")

            let wrong = try await check("foo@example.com", "wrong password")
            #expect(wrong.termination == .exited(1), "a wrong password through libsasl2 must fail: \(wrong)")
            let wrongBare = try await check("foo", "wrong password")
            #expect(wrongBare.termination == .exited(1), "a wrong password, bare login: \(wrongBare)")
            let unknown = try await check("nobody@example.com", S.password)
            #expect(unknown.termination == .exited(1), "an unknown user through libsasl2 must fail: \(unknown)")
        }
    }

    /// The consumer itself must fail when nothing answers on the configured path; otherwise the
    /// test above could pass without ever reaching the daemon.
    @Test func consumerFailsWithoutADaemon() async throws {
        try await Sandbox.with { sandbox in
            let (consumer, confDir) = try await Self.buildConsumer(in: sandbox, socketPath: sandbox.socketPath)
            let result = try await ProcessRunner.run(
                consumer, ["-c", confDir, "foo@example.com", S.password], timeout: .seconds(20))
            #expect(result.termination == .exited(1), "no daemon listening: \(result)")
        }
    }
}
