import Foundation
import Glibc
import SocketTestSupport
import Testing

/// Issue 14 on the host's real stacks, no wrapper: Debian's /etc/pam.d/su begins
/// `auth sufficient pam_rootok.so`, so a root daemon that lets the client pick the service
/// answers `root` / `x` / `su` with OK. Needs root, as the daemon runs in production (CI runs
/// as root).
@Suite("PAM stacks of the host (root)", .enabled(if: geteuid() == 0, "the hole only opens for a root daemon: needs root"), .timeLimit(.minutes(2)))
struct PAMHostStackTests {
    static func config(_ sandbox: Sandbox, _ backend: String) throws -> String {
        try sandbox.write("""
            listen: [ { protocol: saslauthd, path: \(sandbox.socketPath) } ]
            backends:
              system: \(backend)
            """, to: "authmux.yaml")
    }

    /// The line of /etc/pam.d/su that holds pam_rootok, as this host has it.
    static func rootokLine() throws -> Int {
        let lines = try String(contentsOfFile: "/etc/pam.d/su", encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let index = try #require(lines.firstIndex { $0.contains("pam_rootok.so") && !$0.hasPrefix("#") }, "no pam_rootok line in /etc/pam.d/su")
        return index + 1
    }

    @Test func aClientCannotPickSuWithTheDefaultConfiguration() async throws {
        try await Sandbox.with { sandbox in
            let path = try Self.config(sandbox, "{ type: pam }")
            try await TestDaemon.with(configPath: path, socketPath: sandbox.socketPath) { daemon in
                let viaTestsaslauthd = try await SaslClients.testsaslauthd(user: "root", password: "x", service: "su", socketPath: daemon.socketPath)
                #expect(viaTestsaslauthd.termination == .exited(255), "\(viaTestsaslauthd)")
                for service in ["su", "SU", "chfn", "runuser"] {
                    let reply = try await RawSaslauthdClient.exchange(socketPath: daemon.socketPath, fields: ["root", "x", service, ""])
                    #expect(reply.isNO, "\(service): \(reply)")
                }
                // PAM was never called: the refusal is the gate's, and no PAM stage answered.
                try await daemon.waitForLog(containing: "request refused without calling PAM: its service is not in services")
                try await daemon.waitForLog(containing: "service=su ")
                try await daemon.waitForLog(containing: "system: rejected (service \\\"su\\\" is not in services of pam backend system)")
                #expect(!daemon.log.contains("pam_authenticate"), "\(daemon.logTail)")
            }
        }
    }

    @Test func listingSuStopsTheStartAtItsPamRootokLine() async throws {
        try await Sandbox.with { sandbox in
            let path = try Self.config(sandbox, "{ type: pam, services: [ su ] }")
            let line = try Self.rootokLine()
            for arguments in [["--config", path], ["check-config", "--config", path]] {
                let result = try await ProcessRunner.run(try IntegrationEnvironment.authmuxd(), arguments, timeout: .seconds(20))
                #expect(result.termination == .exited(2), "\(arguments): \(result)")
                #expect(result.stderr.contains("\(path):3:36: backends.system.services[1]: backend \"system\": PAM service \"su\", stack /etc/pam.d/su"), "\(result)")
                #expect(result.stderr.contains("/etc/pam.d/su:\(line): \"auth sufficient pam_rootok.so\" lets a wrong password through: pam_rootok succeeds when the caller is root"), "\(result)")
            }
            #expect(!sandbox.exists("mux"), "a refused start bound its socket")
        }
    }

    /// The opt-out does what it says, which also shows that the NO above is the gate's.
    @Test func theOptOutServesSuAndWarns() async throws {
        try await Sandbox.with { sandbox in
            let path = try Self.config(sandbox, "{ type: pam, services: [ su ], allow_passwordless_stacks: true }")
            try await TestDaemon.with(configPath: path, socketPath: sandbox.socketPath) { daemon in
                try await daemon.waitForLog(containing: "PAM service \\\"su\\\", stack /etc/pam.d/su, accepts a wrong password")
                let reply = try await RawSaslauthdClient.exchange(socketPath: daemon.socketPath, fields: ["root", "x", "su", ""])
                #expect(reply.isOK, "\(reply)")
            }
        }
    }
}
