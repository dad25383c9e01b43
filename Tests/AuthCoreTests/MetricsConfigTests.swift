import AuthCore
import Testing

@Suite("Configuration of the metrics endpoint")
struct MetricsConfigTests {
    typealias L = ConfigLoaderTests

    static func yaml(_ metrics: String) -> String {
        """
        backends:
          mailusers: { type: stub }
        metrics:
        \(metrics)
        """
    }

    @Test func offWithoutTheSection() throws {
        #expect(try L.load("backends:\n  mailusers: { type: stub }\n").metrics == nil)
    }

    @Test(arguments: [
        ("127.0.0.1:9555", MetricsConfig.Endpoint.tcp(host: "127.0.0.1", port: 9555)),
        ("127.1.2.3:80", .tcp(host: "127.1.2.3", port: 80)),
        ("localhost:9555", .tcp(host: "127.0.0.1", port: 9555)),
        ("\"[::1]:9555\"", .tcp(host: "::1", port: 9555)),
        ("/run/authmux/metrics.sock", .unix(path: "/run/authmux/metrics.sock")),
    ])
    func loopbackAddressesAndSocketsAreTaken(listen: String, endpoint: MetricsConfig.Endpoint) throws {
        #expect(try L.load(Self.yaml("  listen: \(listen)")).metrics?.endpoint == endpoint)
    }

    @Test(arguments: ["0.0.0.0:9555", "192.0.2.7:9555", "\"[::]:9555\"", "\"[2001:db8::1]:9555\"", "example.com:9555", "128.0.0.1:9555"])
    func otherAddressesAreRefusedWithTheirLocation(listen: String) throws {
        let error = try #require(L.failure(Self.yaml("  listen: \(listen)")))
        #expect(error.keyPath == "metrics.listen")
        #expect(error.line == 4)
        #expect(error.message.contains("not a loopback address"), "\(error)")
    }

    @Test func aSocketTakesModeGroupAndAllow() throws {
        let metrics = try #require(try L.load(Self.yaml("""
              listen: /run/authmux/metrics.sock
              mode: "0600"
              group: prometheus
              allow: { users: [ prometheus ] }
            """)).metrics)
        #expect(metrics.mode == 0o600)
        #expect(metrics.group == "prometheus")
        #expect(metrics.allow?.users.map(\.name) == ["prometheus"])
        #expect(metrics.socketListener?.path == "/run/authmux/metrics.sock")
    }

    @Test func tcpRefusesWhatOnlyASocketCanHave() throws {
        let error = try #require(L.failure(Self.yaml("  listen: 127.0.0.1:9555\n  allow: { users: [ prometheus ] }")))
        #expect(error.keyPath == "metrics.allow")
        #expect(error.message.contains("only for a Unix socket"), "\(error)")
    }

    @Test func badPortsAndMissingListenAreRefused() throws {
        #expect(L.failure(Self.yaml("  listen: 127.0.0.1:0"))?.message.contains("port") == true)
        #expect(L.failure(Self.yaml("  listen: 127.0.0.1:70000"))?.message.contains("port") == true)
        #expect(L.failure(Self.yaml("  mode: \"0600\""))?.message.contains("missing listen") == true)
        #expect(L.failure(Self.yaml("  listen: 127.0.0.1:9555\n  port: 1"))?.keyPath == "metrics.port")
    }
}
