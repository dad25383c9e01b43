import Glibc
import Testing

/// SIGHUP re-reads the configuration: a valid one takes effect for new connections, an invalid
/// one is refused with its location and the running configuration keeps serving.
@Suite("SIGHUP reload")
struct ReloadTests {
    @Test func validReloadChangesTheRulesAndInvalidOneIsRefused() async throws {
        try await Sandbox.with { sandbox in
            let db = SaslDB(path: sandbox.sasldbPath)
            try await db.setPassword("pw", user: "foo", realm: "example.com")
            try await db.setPassword("pw2", user: "foo", realm: "other.org")
            var config = DaemonConfig(sandbox: sandbox)
            let configPath = try config.write(into: sandbox)
            try await TestDaemon.with(configPath: configPath, socketPath: config.socketPath) { daemon in
                func bare(_ password: String) async throws -> ProcessResult {
                    try await SaslClients.authtest(["-f", daemon.socketPath, "foo", "", password])
                }
                #expect(try await bare("pw").termination == .exited(0))

                // An invalid file: refused, located, and the old rules still answer.
                _ = try sandbox.write(config.yaml + "bogus_section: 1\n", to: "authmux.yaml")
                daemon.send(signal: SIGHUP)
                try await daemon.waitForLog(containing: "reload refused")
                #expect(daemon.log.contains("\(configPath):"), "\(daemon.logTail)")
                #expect(daemon.log.contains("bogus_section"), "\(daemon.logTail)")
                #expect(try await bare("pw").termination == .exited(0))

                // A valid file with another default realm: bare logins now go there.
                config.defaultRealm = "other.org"
                _ = try config.write(into: sandbox)
                daemon.send(signal: SIGHUP)
                try await daemon.waitForLog(containing: "configuration reloaded")
                #expect(try await bare("pw2").termination == .exited(0))
                #expect(try await bare("pw").termination == .exited(1))
                #expect(try await daemon.stop() == .exited(0))
            }
        }
    }
}
