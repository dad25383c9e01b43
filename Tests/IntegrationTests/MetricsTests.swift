import Foundation
import Glibc
import SocketTestSupport
import Testing

/// The Prometheus endpoint of the real daemon: exact counts per result and backend after a known
/// sequence of checks, an exposition `promtool` accepts, no user name in any label, a Unix socket
/// with an allow list, and the configuration's refusal of a non-loopback address.
@Suite(.timeLimit(.minutes(3)))
struct MetricsTests {
    typealias S = StandardSetup
    /// Sent as a login that does not exist: it must not appear anywhere in the exposition.
    static let distinctiveLogin = "zqxmetricsprobe"

    /// Two routes: realm `broken.test` goes to a sasldb whose file does not exist (every answer
    /// "unavailable"), everything else to the sandbox's real sasldb.
    static func yaml(_ config: DaemonConfig, sandbox: Sandbox, metrics: String) -> String {
        config.yaml
            .replacingOccurrences(of: "  mailusers: { type: sasldb, path: \(config.sasldbPath) }\n", with: """
                  mailusers: { type: sasldb, path: \(config.sasldbPath) }
                  missing: { type: sasldb, path: \(sandbox.file("no-such-sasldb")) }

                """)
            .replacingOccurrences(of: "routes:\n  - use: [ mailusers ]\n", with: """
                routes:
                  - match: { realm: broken.test }
                    use: [ missing ]
                  - use: [ mailusers ]

                """) + "metrics:\n\(metrics)\n"
    }

    @Test func countsEveryResultPerBackendAndPromtoolAcceptsTheExposition() async throws {
        try await Sandbox.with { sandbox in
            try await SaslDB(path: sandbox.sasldbPath).setPassword(S.password, user: S.user, realm: S.realm)
            let port = try LocalTCP.freePort()
            let config = DaemonConfig(sandbox: sandbox)
            let configPath = try sandbox.write(Self.yaml(config, sandbox: sandbox, metrics: "  listen: 127.0.0.1:\(port)"), to: "authmux.yaml")
            try await TestDaemon.with(configPath: configPath, socketPath: config.socketPath) { daemon in
                func ask(_ login: String, _ password: String, realm: String = S.realm) async throws -> SaslauthdReply {
                    try await RawSaslauthdClient.exchange(socketPath: daemon.socketPath, fields: [login, password, S.service, realm])
                }
                TestSecrets.register("wrong-\(S.password)")
                for _ in 0..<3 { #expect(try await ask(S.user, S.password).isOK) }
                for _ in 0..<2 { #expect(try await ask(S.user, "wrong-\(S.password)").isOK == false) }
                #expect(try await ask("nobody", S.password).isOK == false)
                #expect(try await ask(Self.distinctiveLogin, S.password).isOK == false)
                #expect(try await ask(S.user, S.password, realm: "broken.test").isOK == false)
                #expect(try await ask(S.user, "").isOK == false, "an empty password is refused before any check")

                let response = try await HTTPGet.fetch(.tcp(port: port))
                #expect(response.status == 200)
                let metrics = Exposition(response.body)
                func checks(route: String, backend: String, result: String) -> Double? {
                    metrics.value("authmux_checks_total", ["door": "saslauthd", "route": route, "backend": backend, "result": result])
                }
                #expect(checks(route: "2", backend: "mailusers", result: "ok") == 3, "\(response.body)")
                #expect(checks(route: "2", backend: "mailusers", result: "rejected") == 2)
                #expect(checks(route: "2", backend: "mailusers", result: "unknown_user") == 2)
                #expect(checks(route: "2", backend: "mailusers", result: "unavailable") == 0)
                #expect(checks(route: "1", backend: "missing", result: "unavailable") == 1)
                #expect(checks(route: "1", backend: "missing", result: "ok") == 0)
                #expect(checks(route: "none", backend: "none", result: "refused_input") == 1)
                let total = metrics.samples.filter { $0.name == "authmux_checks_total" }.reduce(0) { $0 + $1.value }
                #expect(total == 9, "every check counted once: \(response.body)")
                // Every check that reached the engine was answered once, on one path; the refused
                // input never reached it.
                let answers = metrics.samples.filter { $0.name == "authmux_answers_total" }
                #expect(Set(answers.compactMap { $0.labels["path"] }) == ["accept_thread", "backend_thread", "event_loop", "after_delay"])
                #expect(answers.reduce(0) { $0 + $1.value } == 8, "\(response.body)")
                #expect(metrics.value("authmux_connections_handed_to_event_loop_total") != nil)
                #expect(metrics.value("authmux_check_duration_seconds_count", ["backend": "mailusers"]) == 7)
                #expect(metrics.value("authmux_check_duration_seconds_count", ["backend": "missing"]) == 1)
                #expect((metrics.value("authmux_cache_hits_total") ?? 0) >= 2, "the repeated good checks were cache hits")
                #expect(metrics.value("authmux_open_connections", ["door": "saslauthd", "listener": daemon.socketPath]) != nil)
                #expect(metrics.value("authmux_backend_queue_depth", ["backend": "mailusers"]) == 0)
                #expect(metrics.value("authmux_backend_in_flight", ["backend": "missing"]) == 0)
                #expect(metrics.value("authmux_reloads_total", ["result": "ok"]) == 0)
                #expect(metrics.value("authmux_build_info") == 1)
                #expect(metrics.value("authmux_config_loaded_timestamp_seconds").map { $0 > 1_700_000_000 } == true)

                // Neither a user name nor a realm, in a label or anywhere else.
                #expect(!response.body.contains(Self.distinctiveLogin), "\(response.body)")
                #expect(!metrics.labelValues.contains { $0.contains(S.user) || $0.contains("example.com") || $0.contains("broken.test") },
                        "\(metrics.labelValues)")

                let promtool = try await ProcessRunner.run(
                    try IntegrationEnvironment.systemTool("promtool"), ["check", "metrics"], stdin: response.body)
                #expect(promtool.termination == .exited(0), "promtool check metrics: \(promtool)\n\(response.body)")

                #expect(try await HTTPGet.fetch(.tcp(port: port), path: "/nothing").status == 404)

                // A reload is counted, and the counts go on under the new engine.
                daemon.send(signal: SIGHUP)
                try await daemon.waitForLog(containing: "configuration reloaded")
                #expect(try await ask(S.user, S.password).isOK)
                let after = Exposition(try await HTTPGet.fetch(.tcp(port: port)).body)
                #expect(after.value("authmux_reloads_total", ["result": "ok"]) == 1)
                #expect(after.value("authmux_checks_total", ["door": "saslauthd", "route": "2", "backend": "mailusers", "result": "ok"]) == 4)

                // A refused reload is counted as failed; the running configuration stays.
                _ = try sandbox.write("bogus_section: 1\n", to: "authmux.yaml")
                daemon.send(signal: SIGHUP)
                try await daemon.waitForLog(containing: "reload refused")
                let refused = Exposition(try await HTTPGet.fetch(.tcp(port: port)).body)
                #expect(refused.value("authmux_reloads_total", ["result": "failed"]) == 1)
                #expect(refused.value("authmux_reloads_total", ["result": "ok"]) == 1)
            }
        }
    }

    @Test func aUnixSocketEndpointAdmitsTheAllowedUser() async throws {
        try await Sandbox.with { sandbox in
            try await SaslDB(path: sandbox.sasldbPath).setPassword(S.password, user: S.user, realm: S.realm)
            let config = DaemonConfig(sandbox: sandbox)
            let metricsPath = sandbox.file("metrics.sock")
            let me = String(getuid())
            let yaml = config.yaml + "metrics:\n  listen: \(metricsPath)\n  mode: \"0600\"\n  allow: { users: [ \(me) ] }\n"
            let configPath = try sandbox.write(yaml, to: "authmux.yaml")
            try await TestDaemon.with(configPath: configPath, socketPath: config.socketPath) { daemon in
                #expect(try await RawSaslauthdClient.exchange(socketPath: daemon.socketPath, fields: [S.user, S.password, S.service, S.realm]).isOK)
                let response = try await HTTPGet.fetch(.unix(path: metricsPath))
                #expect(response.status == 200)
                #expect(Exposition(response.body).value("authmux_checks_total", ["door": "saslauthd", "result": "ok", "backend": "mailusers"]) == 1, "\(response.body)")

                // `authmuxd status` reads the same endpoint from the configuration.
                let status = try await ProcessRunner.run(
                    try IntegrationEnvironment.authmuxd(), ["status", "--config", configPath, "--interval", "0.2"], timeout: .seconds(20))
                #expect(status.termination == .exited(0), "\(status)")
                #expect(status.stdout.contains("checks since start: ok 1, rejected 0"), "\(status)")
                #expect(status.stdout.contains("checks/s: ok "), "\(status)")
                #expect(status.stdout.contains("cache: hit rate"), "\(status)")
                #expect(status.stdout.contains("mailusers (0 held, 0 running)"), "\(status)")

                #expect(try await daemon.stop() == .exited(0))
                #expect(!FileManager.default.fileExists(atPath: metricsPath), "the metrics socket is removed at shutdown")
            }
        }
    }

    @Test func aNonLoopbackAddressIsRefusedWithItsLocation() async throws {
        try await Sandbox.with { sandbox in
            let config = DaemonConfig(sandbox: sandbox)
            let configPath = try sandbox.write(config.yaml + "metrics:\n  listen: 192.0.2.7:9555\n", to: "authmux.yaml")
            let line = config.yaml.split(separator: "\n", omittingEmptySubsequences: false).count + 1
            let check = try await ProcessRunner.run(try IntegrationEnvironment.authmuxd(), ["check-config", "--config", configPath])
            #expect(check.termination == .exited(2), "\(check)")
            #expect(check.stderr.contains("\(configPath):\(line):"), "\(check)")
            #expect(check.stderr.contains("metrics.listen: 192.0.2.7 is not a loopback address"), "\(check)")
        }
    }
}
