import Foundation
import Testing

/// `authmuxd explain` shows how a login is normalized and routed, without a password and without
/// a running daemon: the administrator's answer to "why does foo@vm not work?".
@Suite(.timeLimit(.minutes(2)))
struct ExplainCommandTests {
    func explain(_ arguments: [String], configPath: String) async throws -> ProcessResult {
        try await ProcessRunner.run(
            try IntegrationEnvironment.authmuxd(), ["explain", "--config", configPath] + arguments,
            timeout: .seconds(20))
    }

    /// Whether `text` has a line that reads `expected`, give or take indentation and anything
    /// after a space (`user: foo` matches `  user: foo (from login)` but not `user: foobar`).
    static func hasLine(_ text: String, _ expected: String) -> Bool {
        text.split(separator: "\n").contains { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed == expected || trimmed.hasPrefix(expected + " ")
        }
    }

    @Test func explainShowsTheCanonicalIdentityAndRoute() async throws {
        try await Sandbox.with { sandbox in
            try await SaslDB(path: sandbox.sasldbPath).setPassword("pw", user: "foo", realm: "example.com")
            let configPath = try DaemonConfig(sandbox: sandbox).write(into: sandbox)

            let cases: [(arguments: [String], user: String)] = [
                (["foo@vm"], "foo"),
                (["foo"], "foo"),
                (["foo", "mail.example.com"], "foo"),
                (["foo@example.com", "--service", "imap"], "foo"),
                (["FOO@Mail.Example.COM."], "FOO"),
            ]
            for (arguments, user) in cases {
                let result = try await explain(arguments, configPath: configPath)
                #expect(result.termination == .exited(0), "explain \(arguments): \(result)")
                #expect(Self.hasLine(result.stdout, "user: \(user)"),
                        "explain \(arguments) should show user: \(user): \(result)")
                #expect(result.stdout.contains("realm: example.com"),
                        "explain \(arguments) should show realm: example.com: \(result)")
                #expect(result.stdout.contains("mailusers"), "explain \(arguments) should show the route: \(result)")
            }
            #expect(sandbox.exists("mux") == false, "explain must not start a listener")
        }
    }

    @Test func explainHonoursLowercaseUser() async throws {
        try await Sandbox.with { sandbox in
            var config = DaemonConfig(sandbox: sandbox)
            config.lowercaseUser = true
            let configPath = try config.write(into: sandbox)
            let result = try await explain(["FOO@EXAMPLE.COM"], configPath: configPath)
            #expect(result.termination == .exited(0), "\(result)")
            #expect(Self.hasLine(result.stdout, "user: foo"), "lowercase_user: true: \(result)")
        }
    }
}
