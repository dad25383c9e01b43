import Foundation
import SocketTestSupport
import Testing

/// Two daemons must never fight over one socket path, and a socket file left by a crash must not
/// keep the service down.
@Suite(.timeLimit(.minutes(2)))
struct SocketOwnershipTests {
    typealias S = StandardSetup

    @Test func secondDaemonOnALiveSocketExitsOne() async throws {
        try await S.run { sandbox, _, daemon in
            let second = try await ProcessRunner.run(
                try IntegrationEnvironment.authmuxd(),
                ["--config", daemon.configPath, "--foreground"], timeout: .seconds(20))
            #expect(second.termination == .exited(1), "a second daemon on a live socket: \(second)")
            #expect(second.stderr.isEmpty == false, "the second daemon should say why it stopped: \(second)")

            // The first daemon keeps its socket and keeps serving.
            #expect(sandbox.exists("mux"), "the second daemon removed the live socket file")
            try await S.expectStillServes(daemon)
        }
    }

    @Test func staleSocketFromAKilledDaemonIsReplaced() async throws {
        try await Sandbox.with { sandbox in
            try await SaslDB(path: sandbox.sasldbPath).setPassword(S.password, user: S.user, realm: S.realm)
            let config = DaemonConfig(sandbox: sandbox)
            let configPath = try config.write(into: sandbox)

            let first = try await TestDaemon.start(configPath: configPath, socketPath: config.socketPath)
            await first.killHard()
            #expect(first.termination == .signaled(SIGKILL))
            // SIGKILL runs no cleanup: the socket file is left behind, and nothing answers on it.
            #expect(sandbox.exists("mux"), "a SIGKILLed daemon cannot have removed its socket")
            #expect(RawSaslauthdClient.canConnect(to: config.socketPath) == false)

            let second = try await TestDaemon.start(
                configPath: configPath, socketPath: config.socketPath, logName: "authmuxd-2.stderr")
            do {
                try await S.expectStillServes(second)
                let termination = try await second.stop()
                #expect(termination == .exited(0), "\(termination)\n\(second.logTail)")
            } catch {
                await second.cleanUp()
                throw IntegrationError("\(error)\n\(second.logTail)")
            }
        }
    }

    /// Something that is not a socket at the socket path is not stale: replacing it could
    /// destroy a file a mistyped configuration points at, so the start is refused.
    @Test func regularFileAtTheSocketPathIsNotReplaced() async throws {
        try await Sandbox.with { sandbox in
            try await SaslDB(path: sandbox.sasldbPath).setPassword(S.password, user: S.user, realm: S.realm)
            let configPath = try DaemonConfig(sandbox: sandbox).write(into: sandbox)
            try sandbox.write("precious\n", to: "mux")

            let start = try await ProcessRunner.run(
                try IntegrationEnvironment.authmuxd(), ["--config", configPath, "--foreground"], timeout: .seconds(20))
            #expect(start.termination != .exited(0), "started over a regular file: \(start)")
            #expect(ProcessRunner.readText(sandbox.file("mux")) == "precious\n",
                    "the daemon replaced a regular file at its socket path: \(start)")
        }
    }

    /// A symbolic link at the socket path is replaced by the socket, never followed: root must
    /// not set the socket's mode (or group) on whatever file the link names.
    @Test func aSymlinkAtTheSocketPathIsReplacedNotFollowed() async throws {
        try await Sandbox.with { sandbox in
            try await SaslDB(path: sandbox.sasldbPath).setPassword(S.password, user: S.user, realm: S.realm)
            let config = DaemonConfig(sandbox: sandbox)
            let configPath = try config.write(into: sandbox)
            let target = try sandbox.write("precious\n", to: "target")
            chmod(target, 0o600)
            #expect(symlink(target, sandbox.socketPath) == 0)
            try await TestDaemon.with(configPath: configPath, socketPath: sandbox.socketPath) { daemon in
                try await S.expectStillServes(daemon)
                #expect(try Self.mode(of: sandbox.socketPath).type == S_IFSOCK, "the link was not replaced by the socket")
                let targetMode = try Self.mode(of: target)
                #expect(targetMode.type == S_IFREG && targetMode.permissions == 0o600,
                        "the link's target got mode \(String(targetMode.permissions, radix: 8))")
                #expect(ProcessRunner.readText(target) == "precious\n")
            }
        }
    }

    /// The socket is the security boundary: it gets exactly the configured mode, and a missing
    /// directory (a fresh machine has no /run/saslauthd) is created with mode 0750.
    @Test func socketModeAndDirectoryFollowTheConfiguration() async throws {
        try await Sandbox.with { sandbox in
            try await SaslDB(path: sandbox.sasldbPath).setPassword(S.password, user: S.user, realm: S.realm)
            var config = DaemonConfig(sandbox: sandbox)
            config.socketPath = sandbox.file("run/saslauthd/mux")
            config.socketMode = "0620"
            let configPath = try config.write(into: sandbox)
            try await TestDaemon.with(configPath: configPath, socketPath: config.socketPath) { daemon in
                let socketMode = try Self.mode(of: config.socketPath)
                #expect(socketMode.type == S_IFSOCK, "\(config.socketPath) is not a socket")
                #expect(socketMode.permissions == 0o620,
                        "socket mode \(String(socketMode.permissions, radix: 8)), configured 0620")
                let directoryMode = try Self.mode(of: sandbox.file("run/saslauthd"))
                #expect(directoryMode.permissions == 0o750,
                        "created directory mode \(String(directoryMode.permissions, radix: 8)), expected 0750")
                try await S.expectStillServes(daemon)
            }
        }
    }

    /// `--socket PATH` replaces the configured path (as saslauthd's `-m` does for its directory).
    @Test func socketOptionOverridesTheConfiguredPath() async throws {
        try await Sandbox.with { sandbox in
            try await SaslDB(path: sandbox.sasldbPath).setPassword(S.password, user: S.user, realm: S.realm)
            let config = DaemonConfig(sandbox: sandbox)
            let configPath = try config.write(into: sandbox)
            let other = sandbox.file("other")
            try await TestDaemon.with(configPath: configPath, socketPath: other, extraArguments: ["--socket", other]) { daemon in
                try await S.expectStillServes(daemon)
                #expect(sandbox.exists("mux") == false, "the configured path is used despite --socket")
                let termination = try await daemon.stop()
                #expect(termination == .exited(0), "\(termination)")
                #expect(sandbox.exists("other") == false, "the --socket file is left after SIGTERM")
            }
        }
    }

    static func mode(of path: String) throws -> (type: mode_t, permissions: mode_t) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw IntegrationError("lstat(\(path)): \(String(cString: strerror(errno)))")
        }
        return (info.st_mode & S_IFMT, info.st_mode & 0o7777)
    }
}
