import Foundation
import Glibc
import Testing

/// `listen[].allow` against real peers: as root, the same client is run as root and, through
/// util-linux's setpriv, as `nobody` with and without an allowed group. The socket is
/// world-writable here, so only the allow list can refuse.
@Suite("Peer allow list (SO_PEERCRED)", .enabled(if: geteuid() == 0, "runs a client as another user: needs root"), .timeLimit(.minutes(2)))
struct PeerAllowListTests {
    typealias S = StandardSetup

    /// testsaslauthd as `user` with only `group` (setpriv drops the supplementary groups).
    static func testsaslauthd(as user: String, group: String, socketPath: String) async throws -> ProcessResult {
        try await ProcessRunner.run(
            try IntegrationEnvironment.systemTool("setpriv"),
            ["--reuid=\(user)", "--regid=\(group)", "--clear-groups", try IntegrationEnvironment.systemTool("testsaslauthd"),
             "-u", S.user, "-r", S.realm, "-p", S.password, "-s", S.service, "-f", socketPath],
            timeout: .seconds(20))
    }

    @Test func onlyListedUsersAndGroupsMayAsk() async throws {
        try await Sandbox.with { sandbox in
            // Other users must be able to reach the socket file for the allow list to matter.
            chmod(sandbox.path, 0o755)
            try await SaslDB(path: sandbox.sasldbPath).setPassword(S.password, user: S.user, realm: S.realm)
            let config = """
                listen:
                  - protocol: saslauthd
                    path: \(sandbox.socketPath)
                    mode: "0666"
                    allow: { users: [ root ], groups: [ daemon ] }
                backends: { mailusers: { type: sasldb, path: \(sandbox.sasldbPath) } }
                """
            let path = try sandbox.write(config, to: "authmux.yaml")
            try await TestDaemon.with(configPath: path, socketPath: sandbox.socketPath) { daemon in
                let root = try await SaslClients.testsaslauthd(
                    user: S.user, password: S.password, realm: S.realm, service: S.service, socketPath: daemon.socketPath)
                #expect(root.termination == .exited(0), "\(root)")

                let stranger = try await Self.testsaslauthd(as: "nobody", group: "nogroup", socketPath: daemon.socketPath)
                #expect(stranger.termination != .exited(0), "\(stranger)")
                let nobody = getpwnam("nobody")!.pointee.pw_uid
                try await daemon.waitForLog(containing: "connection refused: peer not in the listener's allow list")
                try await daemon.waitForLog(containing: "uid=\(nobody)")
                // The refused peer's request was never read, so it was never checked: the log
                // holds root's check only.
                #expect(daemon.log.components(separatedBy: " info check ").count - 1 == 1, "\(daemon.logTail)")

                let member = try await Self.testsaslauthd(as: "nobody", group: "daemon", socketPath: daemon.socketPath)
                #expect(member.termination == .exited(0), "\(member)")
            }
        }
    }

    /// Every front door takes the same allow list the same way: authtest, copied where `nobody`
    /// can run it, asks each door as `nobody` without and with an allowed group.
    @Test func everyFrontDoorChecksItsAllowList() async throws {
        try await Sandbox.with { sandbox in
            chmod(sandbox.path, 0o755)
            try await SaslDB(path: sandbox.sasldbPath).setPassword(S.password, user: S.user, realm: S.realm)
            let doors = [("saslauthd", sandbox.socketPath), ("pwcheck", sandbox.pwcheckPath), ("authdaemond", sandbox.authdaemondPath)]
            let listeners = doors.map { door, path in
                """
                  - protocol: \(door)
                    path: \(path)
                    mode: "0666"
                    allow: { users: [ root ], groups: [ daemon ] }
                """
            }.joined(separator: "\n")
            let config = """
                listen:
                \(listeners)
                realms: { default: \(S.realm) }
                backends: { mailusers: { type: sasldb, path: \(sandbox.sasldbPath) } }
                """
            let path = try sandbox.write(config, to: "authmux.yaml")
            let authtest = sandbox.path + "/authtest"
            try FileManager.default.copyItem(atPath: try IntegrationEnvironment.authtest(), toPath: authtest)
            chmod(authtest, 0o755)
            try await TestDaemon.with(configPath: path, socketPath: sandbox.socketPath) { daemon in
                for (door, socket) in doors {
                    let arguments = ["--protocol", door, "-f", socket, "-u", S.user, "-r", S.realm, "-p", S.password]
                    let stranger = try await ProcessRunner.run(
                        try IntegrationEnvironment.systemTool("setpriv"),
                        ["--reuid=nobody", "--regid=nogroup", "--clear-groups", authtest] + arguments, timeout: .seconds(20))
                    // Exit 1 is a NO; a connection closed unanswered is an error (2).
                    #expect(stranger.termination == .exited(2), "\(door) as nobody: \(stranger)\n\(daemon.logTail)")
                    let member = try await ProcessRunner.run(
                        try IntegrationEnvironment.systemTool("setpriv"),
                        ["--reuid=nobody", "--regid=daemon", "--clear-groups", authtest] + arguments, timeout: .seconds(20))
                    #expect(member.termination == .exited(0), "\(door) as nobody in group daemon: \(member)\n\(daemon.logTail)")
                }
                // The last admitted check's line, before the lines are counted.
                try await daemon.waitForLog(containing: "protocol=authdaemond realm=")
                let refusals = daemon.log.components(separatedBy: "connection refused: peer not in the listener's allow list").count - 1
                #expect(refusals == doors.count, "\(daemon.logTail)")
                #expect(daemon.log.components(separatedBy: " info check ").count - 1 == doors.count, "only the admitted were checked\n\(daemon.logTail)")
            }
        }
    }
}
