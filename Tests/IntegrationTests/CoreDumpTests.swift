import Foundation
import Glibc
import SocketTestSupport
import Testing

/// authmuxd holds every sasldb password in memory (and each request's password for a moment):
/// a core dump would write them to disk, and a dumpable process lets any process of its user read
/// its memory. The daemon sets its core limit to 0 and makes itself non-dumpable, whatever limit
/// it was started with, and again after the run_as switch, since the kernel resets the dumpable
/// flag to `fs.suid_dumpable` when the ids change. The kernel shows a non-dumpable process's
/// /proc files as root's: that is what these tests read.
@Suite("Core dumps", .timeLimit(.minutes(2)))
struct CoreDumpTests {
    typealias S = StandardSetup

    /// Started with an unlimited core limit, as a shell with `ulimit -c unlimited` would.
    static func launcher() throws -> [String] {
        [try IntegrationEnvironment.systemTool("prlimit"), "--core=unlimited:unlimited", "--"]
    }

    @Test func theDaemonsCoreLimitIsZero() async throws {
        try await Sandbox.with { sandbox in
            try await SaslDB(path: sandbox.sasldbPath).setPassword(S.password, user: S.user, realm: S.realm)
            let configPath = try DaemonConfig(sandbox: sandbox).write(into: sandbox)
            try await TestDaemon.with(configPath: configPath, socketPath: sandbox.socketPath, launcher: try Self.launcher()) { daemon in
                try await S.expectStillServes(daemon)
                #expect(try Self.coreLimit(of: daemon.pid) == ["0", "0"])
            }
        }
    }

    /// Started as its own account (no switch at all), the daemon must make itself non-dumpable:
    /// otherwise every process of that account could read its memory and its passwords.
    @Test(.enabled(if: geteuid() == 0, "starts the daemon as a throwaway user: needs root"))
    func startedAsItsAccountTheDaemonIsNotDumpable() async throws {
        try await ThrowawayUser.with { user in
            try await Sandbox.with { sandbox in
                let config = try await Self.prepare(sandbox, for: user)
                let launcher = try Self.launcher() + [
                    try IntegrationEnvironment.systemTool("setpriv"), "--reuid=\(user.uid)", "--regid=\(user.gid)", "--init-groups", "--",
                ]
                try await TestDaemon.with(configPath: config.path, socketPath: config.socketPath, launcher: launcher) { daemon in
                    try await S.expectStillServes(daemon)
                    let status = ProcessRunner.readText("/proc/\(daemon.pid)/status")
                    #expect(status.contains("\nUid:\t\(user.uid)\t\(user.uid)\t\(user.uid)\t\(user.uid)\n"), "not running as the account: \(status)")
                    #expect(try Self.owner(of: "/proc/\(daemon.pid)/environ") == 0, "the daemon is dumpable")
                    #expect(try Self.coreLimit(of: daemon.pid) == ["0", "0"])
                }
            }
        }
    }

    /// After the run_as switch. Where `fs.suid_dumpable` is 0 (the kernel's default) the switch
    /// itself leaves the process non-dumpable; with systemd-coredump's 2 it would not.
    @Test(.enabled(if: geteuid() == 0, "switches to a throwaway user: needs root"))
    func afterTheRunAsSwitchTheDaemonIsNotDumpable() async throws {
        try await ThrowawayUser.with { user in
            try await Sandbox.with { sandbox in
                let config = try await Self.prepare(sandbox, for: user)
                try await TestDaemon.with(configPath: config.path, socketPath: config.socketPath, launcher: try Self.launcher()) { daemon in
                    try await daemon.waitForLog(containing: "dropped privileges to user \(user.name)")
                    try await S.expectStillServes(daemon)
                    #expect(try Self.owner(of: "/proc/\(daemon.pid)/environ") == 0, "the daemon is dumpable after the switch")
                    #expect(try Self.coreLimit(of: daemon.pid) == ["0", "0"])
                }
            }
        }
    }

    /// A sandbox the account can use: a sasldb of its group, a socket directory of its own, and
    /// `run_as` naming it.
    static func prepare(_ sandbox: Sandbox, for user: ThrowawayUser) async throws -> (path: String, socketPath: String) {
        chmod(sandbox.path, 0o755)
        try await SaslDB(path: sandbox.sasldbPath).setPassword(S.password, user: S.user, realm: S.realm)
        chown(sandbox.sasldbPath, 0, user.gid)
        chmod(sandbox.sasldbPath, 0o640)
        let run = try sandbox.makeDirectory("run")
        chown(run, user.uid, user.gid)
        var config = DaemonConfig(sandbox: sandbox)
        config.socketPath = sandbox.file("run/mux")
        return (try sandbox.write(config.yaml + "run_as: { user: \(user.name) }\n", to: "authmux.yaml"), config.socketPath)
    }

    /// The soft and hard limits of /proc/PID/limits' "Max core file size" line.
    static func coreLimit(of pid: pid_t) throws -> [String] {
        let limits = ProcessRunner.readText("/proc/\(pid)/limits")
        guard let line = limits.split(separator: "\n").first(where: { $0.hasPrefix("Max core file size") }) else {
            throw IntegrationError("no core limit in /proc/\(pid)/limits: \(limits)")
        }
        return Array(line.dropFirst("Max core file size".count).split(whereSeparator: \.isWhitespace).prefix(2).map(String.init))
    }

    static func owner(of path: String) throws -> uid_t {
        var info = stat()
        guard stat(path, &info) == 0 else { throw IntegrationError("stat(\(path)): \(String(cString: strerror(errno)))") }
        return info.st_uid
    }
}
