import Foundation
import Glibc
import SocketTestSupport
import Testing

/// The stacks a pam backend can reach are judged before it serves: at start, on SIGHUP and by
/// check-config, with the real daemon and the real libpam running stacks from a test folder
/// through pam_wrapper (no root needed).
@Suite("PAM stack review (pam_wrapper)", .timeLimit(.minutes(2)))
struct PAMStackReviewTests {
    static func config(_ sandbox: Sandbox, _ backend: String) throws -> String {
        try sandbox.write("""
            listen: [ { protocol: saslauthd, path: \(sandbox.socketPath) } ]
            backends:
              system: \(backend)
            """, to: "authmux.yaml")
    }

    /// A service whose first auth line lets anyone in, as a careless stack might.
    static func addOpenService(_ stack: PAMWrapperStack, _ name: String, passdb: String) throws {
        let matrix = "\(PAMWrapperStack.matrixModule) passdb=\(passdb)"
        try stack.addService(name, lines: ["auth sufficient \(PAMWrapperStack.module("pam_permit.so"))", "auth required \(matrix)", "account required \(matrix)"])
    }

    static func authmuxd(_ arguments: [String], _ stack: PAMWrapperStack) async throws -> ProcessResult {
        try await ProcessRunner.run(try IntegrationEnvironment.authmuxd(), arguments, environment: stack.environment, timeout: .seconds(20))
    }

    @Test func aStackThatPassesAWrongPasswordStopsTheStart() async throws {
        try await Sandbox.with { sandbox in
            let stack = try PAMWrapperStack(sandbox: sandbox)
            try Self.addOpenService(stack, "smtp", passdb: try stack.passdb("passdb", [("alice", "alice-pw", "smtp")]))
            // smtp is one of the default services, so the default configuration reaches it.
            let path = try Self.config(sandbox, "{ type: pam }")
            let start = try await Self.authmuxd(["--config", path], stack)
            #expect(start.termination == .exited(2), "\(start)")
            #expect(start.stderr.contains("authmuxd: invalid configuration: \(path):3:11: backends.system: backend \"system\": PAM service \"smtp\" (one of the default services)"), "\(start)")
            #expect(start.stderr.contains("\(stack.directory)/smtp:1: \"auth sufficient \(PAMWrapperStack.module("pam_permit.so"))\" lets a wrong password through: pam_permit always succeeds"), "\(start)")
            #expect(!sandbox.exists("mux"), "a refused start bound its socket")

            let check = try await Self.authmuxd(["check-config", "--config", path], stack)
            #expect(check.termination == .exited(2), "\(check)")
            #expect(check.stdout.contains("    error: backend \"system\": PAM service \"smtp\""), "\(check)")
            #expect(check.stderr.contains("\(stack.directory)/smtp:1"), "\(check)")
        }
    }

    @Test func theOptOutServesTheStackAndWarns() async throws {
        try await Sandbox.with { sandbox in
            let stack = try PAMWrapperStack(sandbox: sandbox)
            try Self.addOpenService(stack, "smtp", passdb: try stack.passdb("passdb", [("alice", "alice-pw", "smtp")]))
            let path = try Self.config(sandbox, "{ type: pam, allow_passwordless_stacks: true }")
            let check = try await Self.authmuxd(["check-config", "--config", path], stack)
            #expect(check.termination == .exited(0), "\(check)")
            #expect(check.stdout.contains("    warning: PAM service \"smtp\" (one of the default services), stack \(stack.directory)/smtp, accepts a wrong password"), "\(check)")
            try await TestDaemon.with(configPath: path, socketPath: sandbox.socketPath, environment: stack.environment) { daemon in
                try await daemon.waitForLog(containing: "served anyway: allow_passwordless_stacks is true")
                // What the administrator opted into: the stack takes any password.
                let wrong = try await RawSaslauthdClient.exchange(socketPath: daemon.socketPath, fields: ["alice", "not-her-password", "smtp", ""])
                #expect(wrong.isOK, "\(wrong)")
            }
        }
    }

    @Test func aReloadThatReachesSuchAStackIsRefused() async throws {
        try await Sandbox.with { sandbox in
            let stack = try PAMWrapperStack(sandbox: sandbox)
            let passdb = try stack.passdb("passdb", [("bob", "bob-pw", "mailin"), ("bob", "bob-pw", "open")])
            try stack.addMatrixService("mailin", passdb: passdb)
            try Self.addOpenService(stack, "open", passdb: passdb)
            let path = try Self.config(sandbox, "{ type: pam, services: [ mailin ] }")
            try await TestDaemon.with(configPath: path, socketPath: sandbox.socketPath, environment: stack.environment) { daemon in
                _ = try Self.config(sandbox, "{ type: pam, services: [ mailin, open ] }")
                daemon.send(signal: SIGHUP)
                try await daemon.waitForLog(containing: "reload refused, the running configuration stays")
                #expect(daemon.log.contains("backends.system.services[2]: backend \"system\": PAM service \"open\", stack \(stack.directory)/open, accepts a wrong password: \(stack.directory)/open:1"), "\(daemon.logTail)")
                // The old configuration serves on: mailin checks passwords, open is still not served.
                #expect(try await RawSaslauthdClient.exchange(socketPath: daemon.socketPath, fields: ["bob", "bob-pw", "mailin", ""]).isOK)
                let open = try await RawSaslauthdClient.exchange(socketPath: daemon.socketPath, fields: ["bob", "anything", "open", ""])
                #expect(open.isNO, "\(open)")
                try await daemon.waitForLog(containing: "request refused without calling PAM: its service is not in services")
            }
        }
    }

    @Test func aStackThatCannotBeJudgedStopsTheStart() async throws {
        try await Sandbox.with { sandbox in
            let stack = try PAMWrapperStack(sandbox: sandbox)
            // libpam would turn this line into a step that always fails: every check through
            // the stack would be refused while the daemon looked healthy.
            try stack.addService("mailin", lines: ["auth include amx-no-such-stack"])
            let path = try Self.config(sandbox, "{ type: pam, services: [ mailin ] }")
            let start = try await Self.authmuxd(["--config", path], stack)
            #expect(start.termination == .exited(2), "\(start)")
            #expect(start.stderr.contains("backends.system.services[1]: backend \"system\": the stack of PAM service \"mailin\" cannot be judged: \(stack.directory)/mailin:1: include /etc/pam.d/amx-no-such-stack: no such file"), "\(start)")
        }
    }

    @Test func onlyTheListedServicesReachPAM() async throws {
        try await Sandbox.with { sandbox in
            let stack = try PAMWrapperStack(sandbox: sandbox)
            let passdb = try stack.passdb("passdb", [("carol", "carol-pw", "mailin"), ("carol", "carol-pw", "smtp")])
            try stack.addMatrixService("mailin", passdb: passdb)
            try stack.addMatrixService("smtp", passdb: passdb)
            let path = try Self.config(sandbox, "{ type: pam, services: [ MailIn ] }")
            try await TestDaemon.with(configPath: path, socketPath: sandbox.socketPath, environment: stack.environment) { daemon in
                // Names are compared as libpam opens them: lowercased.
                #expect(try await RawSaslauthdClient.exchange(socketPath: daemon.socketPath, fields: ["carol", "carol-pw", "MAILIN", ""]).isOK)
                #expect(try await RawSaslauthdClient.exchange(socketPath: daemon.socketPath, fields: ["carol", "wrong-pw", "mailin", ""]).isNO)
                // smtp has a good stack, but this backend does not serve it.
                let smtp = try await RawSaslauthdClient.exchange(socketPath: daemon.socketPath, fields: ["carol", "carol-pw", "smtp", ""])
                #expect(smtp.isNO, "\(smtp)")
                try await daemon.waitForLog(containing: "service \\\"smtp\\\" is not in services of pam backend system")
            }
        }
    }
}
