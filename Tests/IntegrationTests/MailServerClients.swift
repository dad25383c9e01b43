import Foundation
import SocketTestSupport

/// Drives a real MTA's SMTP AUTH with `Tests/Fixtures/smtp-auth.py` (Python's sockets, as a
/// mail client): over TCP to a port, or through an MTA's `-bs` mode on standard input.
enum MailServerClients {
    static var script: String { IntegrationEnvironment.fixturesDirectory + "/smtp-auth.py" }

    static func authenticate(port: Int, mechanism: String, user: String, password: String) async throws -> ProcessResult {
        TestSecrets.register(password)
        return try await ProcessRunner.run(
            try IntegrationEnvironment.systemTool("python3"), [script, "127.0.0.1:\(port)", "--", mechanism, user, password], timeout: .seconds(60))
    }

    static func authenticate(standardIO command: [String], mechanism: String, user: String, password: String) async throws -> ProcessResult {
        TestSecrets.register(password)
        return try await ProcessRunner.run(
            try IntegrationEnvironment.systemTool("python3"), [script, "--bs"] + command + ["--", mechanism, user, password], timeout: .seconds(60))
    }
}
