import Foundation
import Glibc
import Testing

/// `run_as`: the daemon binds as root, then switches every thread to the account and keeps
/// serving and reloading as it. Nothing the account can change leads root to a file it did not
/// mean: a directory the daemon creates stays root's, and the socket is given its mode and group
/// before it is moved to its path. A backend that cannot work as the account stops the start
/// rather than leaving the daemon running as root.
@Suite("run_as (root)", .enabled(if: geteuid() == 0, "switches to a throwaway user: needs root"), .timeLimit(.minutes(3)))
struct RunAsTests {
    typealias S = StandardSetup

    @Test func dropsEveryThreadToTheUserReloadsAndKeepsTheDirectoryRoots() async throws {
        try await ThrowawayUser.with { user in
            try await Sandbox.with { sandbox in
                // The account must reach its files: the sandbox is searchable, the sasldb is
                // the account's group's and not world-readable, as /etc/sasldb2 with group sasl.
                chmod(sandbox.path, 0o755)
                let db = SaslDB(path: sandbox.sasldbPath)
                try await db.setPassword(S.password, user: S.user, realm: S.realm)
                try await db.setPassword("pw2", user: S.user, realm: "other.org")
                chown(sandbox.sasldbPath, 0, user.gid)
                chmod(sandbox.sasldbPath, 0o640)
                var config = DaemonConfig(sandbox: sandbox)
                // A directory the daemon creates: it must stay root's, or the account could swap
                // the socket for a link to /etc/shadow before the next start sets its mode.
                config.socketPath = sandbox.file("run/mux")
                let configPath = try sandbox.write(config.yaml + "run_as: { user: \(user.name) }\n", to: "authmux.yaml")

                let check = try await ProcessRunner.run(try IntegrationEnvironment.authmuxd(), ["check-config", "--config", configPath], timeout: .seconds(20))
                #expect(check.termination == .exited(0), "\(check)")
                #expect(check.stdout.contains("run_as: user \(user.name) (uid \(user.uid))"), "\(check)")
                #expect(check.stdout.contains("mailusers (sasldb): can run as \(user.name)"), "\(check)")

                try await TestDaemon.with(configPath: configPath, socketPath: config.socketPath) { daemon in
                    try await daemon.waitForLog(containing: "dropped privileges to user \(user.name) group \(user.name)")
                    try await S.expectStillServes(daemon)
                    try Self.expectEveryTask(of: daemon.pid, runsAs: user)
                    var directory = stat()
                    #expect(stat(sandbox.file("run"), &directory) == 0)
                    #expect(directory.st_uid == 0, "the created socket directory belongs to uid \(directory.st_uid)")
                    #expect(directory.st_mode & 0o7777 == 0o750, "created directory mode \(String(directory.st_mode & 0o7777, radix: 8))")
                    var socket = stat()
                    #expect(lstat(config.socketPath, &socket) == 0)
                    #expect(socket.st_uid == 0 && socket.st_mode & 0o7777 == 0o660, "socket uid \(socket.st_uid) mode \(String(socket.st_mode & 0o7777, radix: 8))")

                    // A reload that adds a backend needing root is refused: root cannot be had back.
                    _ = try sandbox.write(config.yaml.replacingOccurrences(of: "routes:", with: "  system: { type: pam }\nroutes:")
                        + "run_as: { user: \(user.name) }\n", to: "authmux.yaml")
                    daemon.send(signal: SIGHUP)
                    try await daemon.waitForLog(containing: "reload refused")
                    #expect(daemon.log.contains("backend \"system\" (pam) cannot run as user \(user.name): needs root"), "\(daemon.logTail)")
                    try await S.expectStillServes(daemon)

                    // SIGHUP after the drop: the new engine's threads start unprivileged.
                    _ = try sandbox.write(config.yaml.replacingOccurrences(of: "default: example.com", with: "default: other.org")
                        + "run_as: { user: \(user.name) }\n", to: "authmux.yaml")
                    daemon.send(signal: SIGHUP)
                    try await daemon.waitForLog(containing: "configuration reloaded")
                    let bare = try await SaslClients.authtest(["-f", daemon.socketPath, S.user, "", "pw2"])
                    #expect(bare.termination == .exited(0), "\(bare)")
                    try Self.expectEveryTask(of: daemon.pid, runsAs: user)

                    // The account cannot remove the socket from root's directory: it stays behind,
                    // said at start, and the next start replaces it.
                    #expect(daemon.log.contains("user \(user.name) cannot remove the socket at shutdown"), "\(daemon.logTail)")
                    #expect(try await daemon.stop() == .exited(0))
                    #expect(!daemon.log.contains("cannot remove the socket;"), "\(daemon.logTail)")
                }
                try await TestDaemon.with(configPath: configPath, socketPath: config.socketPath) { daemon in
                    try await S.expectStillServes(daemon)
                    #expect(try await daemon.stop() == .exited(0))
                }
            }
        }
    }

    /// A directory that already exists and belongs to another account (Postfix's chroot
    /// directory is postfix's): that account may plant a link at the socket's name, and root must
    /// neither follow it nor refuse to start over it.
    @Test func aLinkPlantedInAnotherAccountsDirectoryIsNeverFollowed() async throws {
        try await ThrowawayUser.with { user in
            try await Sandbox.with { sandbox in
                chmod(sandbox.path, 0o755)
                let db = SaslDB(path: sandbox.sasldbPath)
                try await db.setPassword(S.password, user: S.user, realm: S.realm)
                chown(sandbox.sasldbPath, 0, user.gid)
                chmod(sandbox.sasldbPath, 0o640)
                let spool = try sandbox.makeDirectory("spool")
                chown(spool, user.uid, user.gid)
                chmod(spool, 0o755)
                let target = try sandbox.write("root:*:19000:0:99999:7:::\n", to: "shadow")
                chmod(target, 0o640)
                var config = DaemonConfig(sandbox: sandbox)
                config.socketPath = sandbox.file("spool/mux")
                #expect(symlink(target, config.socketPath) == 0)
                chownLink(config.socketPath, to: user)
                let configPath = try sandbox.write(config.yaml + "run_as: { user: \(user.name) }\n", to: "authmux.yaml")

                try await TestDaemon.with(configPath: configPath, socketPath: config.socketPath) { daemon in
                    try await daemon.waitForLog(containing: "dropped privileges to user \(user.name)")
                    try await S.expectStillServes(daemon)
                    var info = stat()
                    #expect(lstat(target, &info) == 0)
                    #expect(info.st_uid == 0 && info.st_gid == 0 && info.st_mode & 0o7777 == 0o640,
                            "the link's target is now uid \(info.st_uid) gid \(info.st_gid) mode \(String(info.st_mode & 0o7777, radix: 8))")
                    #expect(lstat(config.socketPath, &info) == 0)
                    #expect(info.st_mode & S_IFMT == S_IFSOCK && info.st_uid == 0 && info.st_mode & 0o7777 == 0o660,
                            "socket uid \(info.st_uid) mode \(String(info.st_mode, radix: 8))")
                    var directory = stat()
                    #expect(stat(spool, &directory) == 0)
                    #expect(directory.st_uid == user.uid, "an existing directory is left as it is")
                    // The account may remove the socket from its own directory at shutdown.
                    #expect(try await daemon.stop() == .exited(0))
                    #expect(!FileManager.default.fileExists(atPath: config.socketPath), "the socket is left after SIGTERM")
                }
                #expect(ProcessRunner.readText(target) == "root:*:19000:0:99999:7:::\n")
                let leftovers = try FileManager.default.contentsOfDirectory(atPath: spool)
                #expect(leftovers.isEmpty, "staging left behind: \(leftovers)")
            }
        }
    }

    /// The planted link belongs to the account, as it would if the account had made it.
    private func chownLink(_ path: String, to user: ThrowawayUser) {
        _ = lchown(path, user.uid, user.gid)
    }

    @Test func aSasldbTheUserCannotReadStopsTheStart() async throws {
        try await ThrowawayUser.with { user in
            try await Sandbox.with { sandbox in
                chmod(sandbox.path, 0o755)
                try await SaslDB(path: sandbox.sasldbPath).setPassword(S.password, user: S.user, realm: S.realm)
                chmod(sandbox.sasldbPath, 0o600)
                let config = DaemonConfig(sandbox: sandbox)
                let configPath = try sandbox.write(config.yaml + "run_as: { user: \(user.name) }\n", to: "authmux.yaml")
                let start = try await ProcessRunner.run(try IntegrationEnvironment.authmuxd(), ["--config", configPath], timeout: .seconds(20))
                #expect(start.termination == .exited(2), "\(start)")
                #expect(start.stderr.contains("user \(user.name) cannot read \(sandbox.sasldbPath)"), "\(start)")
                #expect(start.stderr.contains("\"mailusers\""), "\(start)")
                #expect(!sandbox.exists("mux"), "a refused start bound its socket")
            }
        }
    }

    /// Without root the switch is impossible: started as another account, authmuxd says so
    /// (exit 1) instead of serving as the wrong one.
    @Test func startedAsAnotherUnprivilegedAccountItRefuses() async throws {
        try await ThrowawayUser.with { user in
            try await Sandbox.with { sandbox in
                chmod(sandbox.path, 0o755)
                try await SaslDB(path: sandbox.sasldbPath).setPassword(S.password, user: S.user, realm: S.realm)
                chmod(sandbox.sasldbPath, 0o644)
                let configPath = try sandbox.write(DaemonConfig(sandbox: sandbox).yaml + "run_as: { user: \(user.name) }\n", to: "authmux.yaml")
                let start = try await ProcessRunner.run(
                    try IntegrationEnvironment.systemTool("setpriv"),
                    ["--reuid=nobody", "--regid=nogroup", "--clear-groups", try IntegrationEnvironment.authmuxd(), "--config", configPath],
                    timeout: .seconds(20))
                #expect(start.termination == .exited(1), "\(start)")
                #expect(start.stderr.contains("run_as names user \(user.name)") && start.stderr.contains("without root"), "\(start)")
                #expect(!sandbox.exists("mux"), "a refused start bound its socket")
            }
        }
    }

    /// Every thread's real, effective, saved and file-system ids, from /proc: glibc's setxid
    /// broadcast must have reached the event loops and the backends' pools started as root.
    static func expectEveryTask(of pid: pid_t, runsAs user: ThrowawayUser, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")
        #expect(tasks.count > 2, "expected the daemon's threads, found \(tasks)", sourceLocation: sourceLocation)
        for task in tasks {
            let status = ProcessRunner.readText("/proc/\(pid)/task/\(task)/status")
            let fields = Dictionary(status.split(separator: "\n").compactMap { line -> (String, [String])? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (String(line[..<colon]), line[line.index(after: colon)...].split(whereSeparator: \.isWhitespace).map(String.init))
            }, uniquingKeysWith: { first, _ in first })
            #expect(fields["Uid"] == Array(repeating: "\(user.uid)", count: 4), "task \(task): \(status)", sourceLocation: sourceLocation)
            #expect(fields["Gid"] == Array(repeating: "\(user.gid)", count: 4), "task \(task): \(status)", sourceLocation: sourceLocation)
            #expect(fields["Groups"] == ["\(user.gid)"], "task \(task) keeps other groups: \(status)", sourceLocation: sourceLocation)
            #expect(fields["CapEff"] == ["0000000000000000"], "task \(task) keeps capabilities: \(status)", sourceLocation: sourceLocation)
        }
    }
}
