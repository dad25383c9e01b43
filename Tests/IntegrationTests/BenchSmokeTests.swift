import Foundation
import Testing

/// `authtest bench` is a benchmark tool, not a test of speed: this only proves the tool works
/// against a real daemon (a few hundred requests, correct answers counted), never how fast.
@Suite("authtest bench smoke")
struct BenchSmokeTests {
    /// Run once with the default single event loop and once with connections spread over two.
    @Test(arguments: [nil, 2])
    func benchCountsEveryAnswerCorrectly(eventLoops: Int?) async throws {
        try await Sandbox.with { sandbox in
            let db = SaslDB(path: sandbox.sasldbPath)
            for index in 0..<5 {
                try await db.setPassword("pw-bench\(index)", user: "bench\(index)", realm: "example.com")
            }
            var config = DaemonConfig(sandbox: sandbox)
            config.eventLoops = eventLoops
            // A load of wrong passwords for five users is exactly what the throttle slows down.
            config.throttle = false
            let configPath = try config.write(into: sandbox)
            try await TestDaemon.with(configPath: configPath, socketPath: config.socketPath) { daemon in
                let result = try await SaslClients.authtest([
                    "bench", "-f", daemon.socketPath, "-c", "8", "-n", "400", "--warmup", "0",
                    "--generated-users", "5", "--realm", "example.com", "--wrong-share", "0.5", "--json",
                ], timeout: .seconds(120))
                #expect(result.termination == .exited(0), "\(result)")
                let report = try #require(
                    try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
                #expect(report["requests"] as? Int == 400)
                #expect(report["errors"] as? Int == 0)
                #expect(report["unexpected"] as? Int == 0)
                let ok = try #require(report["ok"] as? Int)
                let no = try #require(report["no"] as? Int)
                #expect(ok + no == 400)
                // With half the passwords wrong, both answers must occur.
                #expect(ok > 0 && no > 0, "\(result)")
                #expect(report["concurrency"] as? Int == 8)
                let latency = try #require(report["latency_ms"] as? [String: Any])
                #expect(latency["p99"] != nil)
            }
        }
    }

    @Test func benchReportsWrongAnswersAsUnexpected() async throws {
        // Users the sasldb does not hold: every answer is NO where OK was expected, and the
        // tool must say so (exit 1) rather than report a clean run.
        try await StandardSetup.run(configure: { $0.throttle = false }) { _, _, daemon in
            let result = try await SaslClients.authtest([
                "bench", "-f", daemon.socketPath, "-c", "2", "-n", "50", "--warmup", "0",
                "--generated-users", "3", "--user-prefix", "ghost", "--json",
            ], timeout: .seconds(60))
            #expect(result.termination == .exited(1), "\(result)")
            #expect(result.stdout.contains("\"unexpected\":50"), "\(result)")
        }
    }

    @Test func benchWithoutAServerIsAConnectionError() async throws {
        try await Sandbox.with { sandbox in
            let result = try await SaslClients.authtest(["bench", "-f", sandbox.file("nothing-here"), "-n", "10"])
            #expect(result.termination == .exited(2), "\(result)")
        }
    }
}
