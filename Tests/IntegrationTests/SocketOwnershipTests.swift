import Foundation
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
            try S.expectStillServes(daemon)
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
                try S.expectStillServes(second)
                let termination = try await second.stop()
                #expect(termination == .exited(0), "\(termination)\n\(second.logTail)")
            } catch {
                await second.cleanUp()
                throw IntegrationError("\(error)\n\(second.logTail)")
            }
        }
    }

    /// A regular file at the socket path is not a stale socket: deleting it could destroy data
    /// a careless configuration pointed at, so the daemon must refuse (any non-zero status).
    @Test func regularFileAtTheSocketPathIsNotDeleted() async throws {
        try await Sandbox.with { sandbox in
            try await SaslDB(path: sandbox.sasldbPath).setPassword(S.password, user: S.user, realm: S.realm)
            let config = DaemonConfig(sandbox: sandbox)
            let configPath = try config.write(into: sandbox)
            try sandbox.write("precious\n", to: "mux")

            let start = try await ProcessRunner.run(
                try IntegrationEnvironment.authmuxd(), ["--config", configPath, "--foreground"], timeout: .seconds(20))
            #expect(start.termination != .exited(0), "started over a regular file: \(start)")
            #expect(ProcessRunner.readText(sandbox.file("mux")) == "precious\n",
                    "the daemon replaced a regular file at its socket path: \(start)")
        }
    }
}
