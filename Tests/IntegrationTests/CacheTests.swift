import Foundation
import Glibc
import SocketTestSupport
import Testing

/// The credential cache as the running daemon shows it: a hit is logged `cached=yes`, SIGHUP
/// forgets every entry, `cache: false` turns it off for a backend, `check-config` prints it.
@Suite(.timeLimit(.minutes(2)))
struct CacheTests {
    typealias S = StandardSetup

    @Test func aRepeatedCheckIsLoggedAsCachedAndSighupForgetsIt() async throws {
        try await S.run { sandbox, _, daemon in
            #expect(try await checkLines(afterAsking: daemon, count: 1) == [false])
            #expect(try await checkLines(afterAsking: daemon, count: 2) == [false, true], "\(daemon.logTail)")

            daemon.send(signal: SIGHUP)
            try await waitForLog(daemon, containing: "configuration reloaded")
            #expect(try await checkLines(afterAsking: daemon, count: 3) == [false, true, false],
                    "the first check after SIGHUP asks the backend: \(daemon.logTail)")
            #expect(try await checkLines(afterAsking: daemon, count: 4) == [false, true, false, true], "\(daemon.logTail)")
            #expect(!daemon.log.contains(S.password), "the password never reaches the log")
        }
    }

    @Test func aBackendWithCacheFalseIsAskedEveryTime() async throws {
        try await Sandbox.with { sandbox in
            try await SaslDB(path: sandbox.sasldbPath).setPassword(S.password, user: S.user, realm: S.realm)
            let config = DaemonConfig(sandbox: sandbox)
            let yaml = config.yaml.replacingOccurrences(of: "{ type: sasldb,", with: "{ type: sasldb, cache: false,")
            let configPath = try sandbox.write(yaml, to: "authmux.yaml")
            try await TestDaemon.with(configPath: configPath, socketPath: config.socketPath) { daemon in
                _ = try await checkLines(afterAsking: daemon, count: 1)
                _ = try await checkLines(afterAsking: daemon, count: 2)
                let cached = try await checkLines(afterAsking: daemon, count: 3)
                #expect(cached == [false, false, false], "\(daemon.logTail)")
            }
        }
    }

    @Test func checkConfigPrintsTheCacheSettings() async throws {
        try await Sandbox.with { sandbox in
            try await SaslDB(path: sandbox.sasldbPath).setPassword(S.password, user: S.user, realm: S.realm)
            let config = DaemonConfig(sandbox: sandbox)
            let yaml = config.yaml.replacingOccurrences(of: "{ type: sasldb,", with: "{ type: sasldb, cache: false,")
                + "cache: { ttl: 5m, negative_ttl: 10s, max_entries: 2000 }\n"
            let configPath = try sandbox.write(yaml, to: "authmux.yaml")
            let check = try await ProcessRunner.run(
                try IntegrationEnvironment.authmuxd(), ["check-config", "--config", configPath], timeout: .seconds(20))
            #expect(check.termination == .exited(0), "\(check)")
            #expect(check.stdout.contains("cache: ttl 5m, negative_ttl 10s, max_entries 2000"), "\(check)")
            #expect(check.stdout.contains(", cache: false"), "the opted-out backend is marked: \(check)")
        }
    }

    /// Sends the standard good request, then waits until the log holds `count` check lines and
    /// returns, for each, whether it was answered from the cache.
    private func checkLines(afterAsking daemon: TestDaemon, count: Int) async throws -> [Bool] {
        let reply = try await RawSaslauthdClient.exchange(socketPath: daemon.socketPath, fields: [S.user, S.password, S.service, S.realm])
        #expect(reply.isOK, "\(reply)\n\(daemon.logTail)")
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            let lines = daemon.log.split(separator: "\n").filter { $0.contains(" check ") && $0.contains("result=") }
            if lines.count >= count || ContinuousClock.now > deadline {
                return lines.map { $0.contains("cached=yes") }
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private func waitForLog(_ daemon: TestDaemon, containing text: String) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while !daemon.log.contains(text) {
            guard ContinuousClock.now < deadline else {
                throw IntegrationError("the log never said \"\(text)\"\n\(daemon.logTail)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
