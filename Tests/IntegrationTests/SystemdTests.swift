import Foundation
import Glibc
import SocketTestSupport
import Testing

/// authmuxd under systemd's protocols, with systemd's own tools where there are some: readiness
/// and lifecycle notifications on `$NOTIFY_SOCKET`, sockets passed by `systemd-socket-activate`,
/// and the shipped units checked by `systemd-analyze verify`.
@Suite(.timeLimit(.minutes(3)))
struct SystemdTests {
    typealias S = StandardSetup

    @Test func readyOnlyOnceTheSocketAnswersThenReloadingReadyAndStopping() async throws {
        try await Sandbox.with { sandbox in
            try await SaslDB(path: sandbox.sasldbPath).setPassword(S.password, user: S.user, realm: S.realm)
            let config = DaemonConfig(sandbox: sandbox)
            let configPath = try config.write(into: sandbox)
            let notify = try NotifySocket(path: sandbox.file("notify"))
            let socketPath = config.socketPath
            // Listening before the daemon exists: whether its socket answers is looked at the
            // moment READY=1 arrives, not after the harness has waited for it.
            let readiness = Task {
                try await OwnThread.run { () -> ([String], Bool) in
                    let messages = try notify.blockingWait(for: "READY=1")
                    return (messages, RawSaslauthdClient.canConnect(to: socketPath))
                }
            }
            let environment = ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "500000"]
            try await TestDaemon.with(configPath: configPath, socketPath: socketPath, environment: environment) { daemon in
                let (messages, answered) = try await readiness.value
                #expect(answered, "READY=1 came before the socket answered: \(messages)")
                #expect(messages.last?.contains("STATUS=serving saslauthd on \(socketPath)") == true, "\(messages)")
                #expect(!messages.dropLast().contains { $0.contains("READY=1") })

                // WATCHDOG_USEC is set: pings come (how often is not asserted).
                _ = try await notify.wait(for: "WATCHDOG=1")

                daemon.send(signal: SIGHUP)
                let reload = try await notify.wait(for: "READY=1")
                let reloading = try #require(reload.firstIndex { $0.contains("RELOADING=1") }, "\(reload)")
                let stamp = reload[reloading].split(separator: "\n").first { $0.hasPrefix("MONOTONIC_USEC=") }
                #expect(stamp.flatMap { UInt64($0.dropFirst("MONOTONIC_USEC=".count)) } != nil, "\(reload)")
                #expect(reload.last?.contains("READY=1") == true && reloading < reload.count - 1)
                try await daemon.waitForLog(containing: "configuration reloaded")
                try await S.expectStillServes(daemon)

                let stopping = Task { try await notify.wait(for: "STOPPING=1") }
                #expect(try await daemon.stop() == .exited(0))
                let last = try await stopping.value
                #expect(last.last?.contains("STOPPING=1") == true, "\(last)")
            }
        }
    }

    @Test func checksAreAnsweredOnTheSocketSystemdSocketActivatePasses() async throws {
        try await Sandbox.with { sandbox in
            try await SaslDB(path: sandbox.sasldbPath).setPassword(S.password, user: S.user, realm: S.realm)
            let config = DaemonConfig(sandbox: sandbox)
            let configPath = try config.write(into: sandbox)
            let pidFile = sandbox.file("daemon.pid")
            let launcher = try Self.socketActivation(listen: config.socketPath, name: "saslauthd", pidFile: pidFile)
            try await TestDaemon.with(configPath: configPath, socketPath: config.socketPath, launcher: launcher, pidFile: pidFile) { daemon in
                try await S.expectStillServes(daemon)
                try await daemon.waitForLog(containing: "listening on a socket from systemd")

                // While the first daemon holds the socket, a second start on the same
                // configuration refuses to take the path over.
                let second = try await ProcessRunner.run(
                    try IntegrationEnvironment.authmuxd(), ["--config", configPath, "--foreground"], timeout: .seconds(30))
                #expect(second.termination == .exited(1), "\(second)")
                #expect(second.stderr.contains("another daemon is already answering on \(config.socketPath)"), "\(second)")
                try await S.expectStillServes(daemon)

                #expect(try await daemon.stop() == .exited(0))
            }
        }
    }

    @Test func aPassedSocketThatMatchesNoListenerStopsTheStartNamingIt() async throws {
        try await Sandbox.with { sandbox in
            let config = DaemonConfig(sandbox: sandbox)
            let configPath = try config.write(into: sandbox)
            let stray = sandbox.file("stray")
            let launcher = try Self.socketActivation(listen: stray, name: "strayname", pidFile: sandbox.file("daemon.pid"))
            async let run = ProcessRunner.run(
                launcher[0], Array(launcher.dropFirst()) + [try IntegrationEnvironment.authmuxd(), "--config", configPath, "--foreground"],
                timeout: .seconds(30))
            // The first client makes systemd-socket-activate start authmuxd.
            let deadline = ContinuousClock.now + .seconds(20)
            while !RawSaslauthdClient.canConnect(to: stray) && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            let result = try await run
            #expect(result.termination == .exited(1), "\(result)")
            #expect(result.stderr.contains("matches no listener"), "\(result)")
            #expect(result.stderr.contains("strayname") && result.stderr.contains(stray), "\(result)")
            #expect(!FileManager.default.fileExists(atPath: config.socketPath), "nothing was bound: \(result)")
        }
    }

    /// A launcher that runs authmuxd under `systemd-socket-activate`, which binds `listen`, waits
    /// for the first client and then execs authmuxd (same pid) with LISTEN_FDS=1 and the name.
    ///
    /// It runs as the child of a shell, which writes its pid to `pidFile` and exits with its
    /// status: systemd-socket-activate closes every descriptor it does not pass, among them the
    /// one Foundation's `Process` watches to learn that a child ended. Started directly, it would
    /// look ended at once, and Foundation would block its one reaper thread waiting for it,
    /// leaving every other child of the test process unreaped.
    static func socketActivation(listen: String, name: String, pidFile: String) throws -> [String] {
        let activate = try IntegrationEnvironment.systemTool("systemd-socket-activate")
        let script = "\(activate) --listen=\(listen) --fdname=\(name) \"$@\" & echo $! > \(pidFile); wait $!"
        return ["/bin/sh", "-c", script, "sh"]
    }

    @Test func theShippedUnitsPassSystemdAnalyzeVerify() async throws {
        try await Sandbox.with { sandbox in
            let examples = IntegrationEnvironment.packageRoot.appendingPathComponent("examples")
            let binary = try IntegrationEnvironment.authmuxd()
            // verify checks that ExecStart='s program exists: the units name their installed
            // path, so the copies checked here name the binary just built.
            var units: [String] = []
            for name in ["authmuxd.socket", "authmuxd.service"] {
                let text = try String(contentsOf: examples.appendingPathComponent(name), encoding: .utf8)
                units.append(try sandbox.write(text.replacingOccurrences(of: "/usr/local/sbin/authmuxd", with: binary), to: name))
            }
            let verify = try await ProcessRunner.run(try IntegrationEnvironment.systemTool("systemd-analyze"), ["verify"] + units, timeout: .seconds(60))
            #expect(verify.termination == .exited(0), "\(verify)")
            #expect(verify.stderr.isEmpty && verify.stdout.isEmpty, "systemd-analyze verify has remarks: \(verify)")

            // The sandboxing keeps its rating: exposure 3.0 ("OK") at most, as rated without a
            // running systemd (the unit above, with what PAM, LDAP and sockets need left open).
            let security = try await ProcessRunner.run(
                try IntegrationEnvironment.systemTool("systemd-analyze"), ["security", "--offline=true", "--threshold=30", units[1]],
                timeout: .seconds(60))
            #expect(security.termination == .exited(0), "\(security)")
        }
    }
}
