import Foundation
import SocketTestSupport
import Testing

/// What authmux answers a PAM module's prompts with, through the real libpam (pam_wrapper) and a
/// module compiled from Tests/Fixtures/pam_echo_prompt.c: a prompt that echoes asks for a name,
/// so it gets the PAM user, as saslauthd answers it; only a prompt that does not echo gets the
/// password. Answering every prompt with the password hands it to a module that may show or log
/// what it asked for.
@Suite("PAM conversation (pam_wrapper)", .timeLimit(.minutes(2)))
struct PAMConversationTests {
    @Test func anEchoingPromptIsAnsweredWithTheUserNotThePassword() async throws {
        try await Sandbox.with { sandbox in
            let source = IntegrationEnvironment.fixturesDirectory + "/pam_echo_prompt.c"
            let module = sandbox.file("pam_echo_prompt.so")
            let compile = try await ProcessRunner.run(
                try IntegrationEnvironment.systemTool("cc"), ["-shared", "-fPIC", "-o", module, source, "-lpam"], timeout: .seconds(60))
            guard compile.termination == .exited(0) else { throw IntegrationError("compiling the test PAM module failed: \(compile)") }
            let stack = try PAMWrapperStack(sandbox: sandbox)
            let passdb = try stack.passdb("passdb", [("carol", "carol's pw 1", "smtp")])
            // The echoing prompt first, then pam_matrix checks the password (echo off).
            try stack.addMatrixService("smtp", passdb: passdb, before: [module])
            let config = """
                listen: [ { protocol: saslauthd, path: \(sandbox.socketPath) } ]
                failure_delay: { floor: 0s }
                cache: { enabled: false }
                backends: { system: { type: pam, threads: 1 } }
                """
            let path = try sandbox.write(config, to: "authmux.yaml")
            try await TestDaemon.with(configPath: path, socketPath: sandbox.socketPath, environment: stack.environment) { daemon in
                let right = try await RawSaslauthdClient.exchange(socketPath: daemon.socketPath, fields: ["carol", "carol's pw 1", "smtp", ""])
                #expect(right.isOK, "\(right)\n\(daemon.logTail)")
                let wrong = try await RawSaslauthdClient.exchange(socketPath: daemon.socketPath, fields: ["carol", "not it", "smtp", ""])
                #expect(wrong.isNO, "\(wrong)")
                // Answered with the user, the module let the check reach pam_matrix, which refused the
                // wrong password: the refusal is pam_matrix's authentication error.
                try await daemon.waitForLog(containing: "system: rejected (pam_authenticate")
            }
        }
    }
}
