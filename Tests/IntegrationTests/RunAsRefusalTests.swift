import Foundation
import Testing

/// `run_as` mistakes and backends that cannot run unprivileged stop the start with exit 2 before
/// anything is bound, and check-config says the same. These need no root: they use `nobody`,
/// which Debian always has, and nothing here ever switches to it.
@Suite("run_as refusals", .timeLimit(.minutes(2)))
struct RunAsRefusalTests {
    static func config(_ sandbox: Sandbox, runAs: String, backends: String) throws -> String {
        try sandbox.write("""
            listen: [ { protocol: saslauthd, path: \(sandbox.socketPath) } ]
            backends:
            \(backends)
            run_as: \(runAs)
            """, to: "authmux.yaml")
    }

    @Test func anUnknownUserIsALocatedConfigurationError() async throws {
        try await Sandbox.with { sandbox in
            let path = try Self.config(sandbox, runAs: "{ user: amx-no-such-user }", backends: "  system: { type: pam }")
            for arguments in [["--config", path], ["check-config", "--config", path]] {
                let result = try await ProcessRunner.run(try IntegrationEnvironment.authmuxd(), arguments, timeout: .seconds(20))
                #expect(result.termination == .exited(2), "\(arguments): \(result)")
                #expect(result.stderr.contains("\(path):4:"), "\(arguments): \(result)")
                #expect(result.stderr.contains("run_as.user"), "\(arguments): \(result)")
            }
        }
    }

    @Test func aPamBackendStopsTheStartNamingTheBackendAndWhy() async throws {
        try await Sandbox.with { sandbox in
            let path = try Self.config(sandbox, runAs: "{ user: nobody }", backends: "  system: { type: pam }")
            let start = try await ProcessRunner.run(try IntegrationEnvironment.authmuxd(), ["--config", path], timeout: .seconds(20))
            #expect(start.termination == .exited(2), "\(start)")
            #expect(start.stderr.contains("backend \"system\" (pam)"), "\(start)")
            #expect(start.stderr.contains("needs root") && start.stderr.contains("/etc/shadow"), "\(start)")
            #expect(!sandbox.exists("mux"), "a refused start bound its socket")

            let check = try await ProcessRunner.run(try IntegrationEnvironment.authmuxd(), ["check-config", "--config", path], timeout: .seconds(20))
            #expect(check.termination == .exited(2), "\(check)")
            #expect(check.stdout.contains("system (pam): cannot run as nobody: needs root"), "\(check)")
        }
    }

    /// pam_unix reads /etc/shadow itself when its caller may (Debian: group shadow), so a pam
    /// backend is accepted for an account in that group.
    @Test func aPamBackendCanRunInTheShadowGroup() async throws {
        try await Sandbox.with { sandbox in
            let path = try Self.config(sandbox, runAs: "{ user: nobody, group: shadow }", backends: "  system: { type: pam }")
            let check = try await ProcessRunner.run(try IntegrationEnvironment.authmuxd(), ["check-config", "--config", path], timeout: .seconds(20))
            #expect(check.stdout.contains("run_as: user nobody"), "\(check)")
            #expect(check.stdout.contains("system (pam): can run as nobody"), "\(check)")
        }
    }
}
