import Foundation
import SocketTestSupport

/// Drives a real MTA's SMTP AUTH with `Tests/Fixtures/smtp-auth.py` (Python's sockets, as a
/// mail client): over a Unix socket, or through an MTA's `-bs` mode on standard input.
enum MailServerClients {
    static var script: String { IntegrationEnvironment.fixturesDirectory + "/smtp-auth.py" }

    static func authenticate(smtpSocket: String, mechanism: String, user: String, password: String) async throws -> ProcessResult {
        TestSecrets.register(password)
        return try await ProcessRunner.run(
            try IntegrationEnvironment.systemTool("python3"), [script, "unix:" + smtpSocket, "--", mechanism, user, password], timeout: .seconds(60))
    }

    static func authenticate(standardIO command: [String], mechanism: String, user: String, password: String) async throws -> ProcessResult {
        TestSecrets.register(password)
        return try await ProcessRunner.run(
            try IntegrationEnvironment.systemTool("python3"), [script, "--bs"] + command + ["--", mechanism, user, password], timeout: .seconds(60))
    }
}
