import Foundation
import Glibc
import SocketTestSupport
import Testing

/// The production path, no wrapper: the host's real libpam reads a real /etc/pam.d file and
/// pam_unix checks a real account in /etc/shadow. Needs root to create the account (CI runs
/// as root); each test makes its own user and service file and removes both however it ends.
@Suite("PAM backend (pam_unix, root)", .enabled(if: geteuid() == 0, "creates a system user: needs root"), .timeLimit(.minutes(2)))
struct PAMUnixTests {
    /// A throwaway account with a password and a throwaway /etc/pam.d service using pam_unix.
    struct ThrowawayAccount {
        let user: String
        let service: String
        let password = "Unix pw 9!"

        static func create() async throws -> ThrowawayAccount {
            let suffix = UInt32.random(in: 100_000...999_999)
            let account = ThrowawayAccount(user: "amxt\(suffix)", service: "authmux-test-\(suffix)")
            let added = try await ProcessRunner.run(
                try IntegrationEnvironment.systemTool("useradd"),
                ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", account.user])
            guard added.termination == .exited(0) else { throw IntegrationError("useradd failed: \(added)") }
            do {
                let set = try await ProcessRunner.run(
                    try IntegrationEnvironment.systemTool("chpasswd"), [], stdin: "\(account.user):\(account.password)\n")
                guard set.termination == .exited(0) else { throw IntegrationError("chpasswd failed: \(set)") }
                try "auth required pam_unix.so\naccount required pam_unix.so\n"
                    .write(toFile: account.servicePath, atomically: true, encoding: .utf8)
            } catch {
                await account.remove()
                throw error
            }
            return account
        }

        var servicePath: String { "/etc/pam.d/\(service)" }

        func expire() async throws {
            let changed = try await ProcessRunner.run(try IntegrationEnvironment.systemTool("chage"), ["-E", "0", user])
            guard changed.termination == .exited(0) else { throw IntegrationError("chage failed: \(changed)") }
        }

        func remove() async {
            try? FileManager.default.removeItem(atPath: servicePath)
            _ = try? await ProcessRunner.run(try IntegrationEnvironment.systemTool("userdel"), [user])
        }
    }

    static func withAccount(_ body: (ThrowawayAccount, TestDaemon) async throws -> Void) async throws {
        let account = try await ThrowawayAccount.create()
        do {
            try await Sandbox.with { sandbox in
                let config = """
                    listen: [ { protocol: saslauthd, path: \(sandbox.socketPath) } ]
                    backends: { system: { type: pam, services: [ \(account.service) ] } }
                    """
                let path = try sandbox.write(config, to: "authmux.yaml")
                try await TestDaemon.with(configPath: path, socketPath: sandbox.socketPath) { daemon in
                    try await body(account, daemon)
                }
            }
        } catch {
            await account.remove()
            throw error
        }
        await account.remove()
    }

    static func testsaslauthd(_ account: ThrowawayAccount, _ password: String, _ daemon: TestDaemon) async throws -> ProcessResult {
        try await SaslClients.testsaslauthd(user: account.user, password: password, service: account.service, socketPath: daemon.socketPath)
    }

    @Test func rightAndWrongPasswordThroughTestsaslauthd() async throws {
        try await Self.withAccount { account, daemon in
            let right = try await Self.testsaslauthd(account, account.password, daemon)
            #expect(right.termination == .exited(0), "\(right)")
            let wrong = try await Self.testsaslauthd(account, "not the password", daemon)
            #expect(wrong.termination == .exited(255), "\(wrong)")
            // pam_unix asks Linux-PAM for a two-second delay after a failure; it must reach the
            // daemon as a request (applied on the event loop), not as a sleep on a PAM thread.
            try await daemon.waitForLog(containing: "ms delay")
            try await daemon.waitForLog(containing: "delay_ms=")
        }
    }

    @Test func anExpiredAccountIsRejectedAtTheAccountStage() async throws {
        try await Self.withAccount { account, daemon in
            try await account.expire()
            let result = try await Self.testsaslauthd(account, account.password, daemon)
            #expect(result.termination == .exited(255), "\(result)")
            try await daemon.waitForLog(containing: "pam_acct_mgmt")
        }
    }
}
