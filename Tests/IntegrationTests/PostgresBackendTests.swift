import Foundation
import SocketTestSupport
import Testing

/// The sql backend on a real PostgreSQL: every behaviour check; failover past a closed port
/// and past a hung server; an outage answered "temporarily unavailable" and served again once
/// the server is back, without restarting authmuxd; the server's messages in the log; TLS with
/// verify-full and a client certificate, and a server whose CA is not trusted refused.
@Suite(.serialized, .timeLimit(.minutes(10)))
struct PostgresBackendTests {
    static let query = "password_query: \"SELECT password FROM mailbox WHERE username = %{user} AND active = true\""

    static func backend(_ hosts: [String], extra: String = "", password: String = PostgresServer.password) -> String {
        "driver: postgresql, hosts: [\(hosts.joined(separator: ", "))], database: authmux, user: authmux, password: \"\(password)\", "
            + "connect_timeout: 1s, query_timeout: 1s\(extra), \(query)"
    }

    @Test func postfixAdminTable() async throws {
        try await Sandbox.with { sandbox in
            try await PostgresServer.with(sandbox) { server in
                try await SQLSetup.behaviour(sandbox, SQLSetup.Target(
                    backend: Self.backend([server.host]).replacing(", \(Self.query)", with: ""), execute: { try await server.psql($0) },
                    trueValue: "true", falseValue: "false"))
            }
        }
    }

    /// Dovecot-door checks start on two event loops at once and share a pool of two
    /// connections with eight persistent clients: every answer still belongs to its own
    /// request — salted digests verified where the row arrives, crypt rows on the pool — and
    /// the server never sees more than the two connections allowed.
    @Test func checksFromSeveralLoopsShareASmallPoolAndEachGetsItsOwnAnswer() async throws {
        try await Sandbox.with { sandbox in
            try await PostgresServer.with(sandbox) { server in
                let users = 24
                var rows: [String] = []
                for index in 0..<users {
                    let password = "pw-bench\(index)"
                    TestSecrets.register(password)
                    let field = index % 3 == 0
                        ? try await HashTools.mkpasswd("sha512crypt", password) : try await HashTools.doveadm("SSHA512", password)
                    rows.append("('bench\(index)@example.com', '\(field)')")
                }
                try await server.psql("INSERT INTO mailbox (username, password) VALUES \(rows.joined(separator: ", "))")
                let socket = sandbox.file("auth")
                let configPath = try sandbox.write("""
                    listen:
                      - protocol: dovecot
                        path: \(socket)
                    realms:
                      default: example.com
                    limits:
                      event_loops: 2
                    failure_delay: { floor: 0s }
                    throttle: { enabled: false }
                    backends:
                      db: { type: sql, cache: false, connections: 2, \(Self.backend([server.host])) }
                    routes:
                      - use: [ db ]

                    """, to: "authmux.yaml")
                try await TestDaemon.with(configPath: configPath, socketPath: socket) { daemon in
                    let result = try await SaslClients.authtest([
                        "bench", "-f", socket, "--protocol", "dovecot", "--persistent", "-c", "8", "-n", "1200", "--warmup", "0",
                        "--generated-users", "\(users)", "--realm", "example.com", "--wrong-share", "0.3", "--json",
                    ], timeout: .seconds(120))
                    #expect(result.termination == .exited(0), "\(result)")
                    let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
                    #expect(report["errors"] as? Int == 0)
                    #expect(report["unexpected"] as? Int == 0, "an answer that was not its own request's: \(daemon.logTail)")
                    let ok = try #require(report["ok"] as? Int)
                    let no = try #require(report["no"] as? Int)
                    #expect(ok + no == 1200 && ok > 0 && no > 0, "\(report)")
                    let count = try await server.psql("SELECT count(*) FROM pg_stat_activity WHERE usename = 'authmux'")
                    let open = try #require(Int(count), "\(count)")
                    #expect((1...2).contains(open), "connections open: \(open)")
                }
            }
        }
    }

    @Test func failoverPastClosedPortAndHungServer() async throws {
        try await Sandbox.with { sandbox in
            try await PostgresServer.with(sandbox, name: "pg-a") { first in
                try await PostgresServer.with(sandbox, name: "pg-b") { second in
                    try await SQLSetup.failover(sandbox, first: first, second: second) { Self.backend($0) }
                }
            }
        }
    }

    /// A host given as the server's socket file: libpq is given its folder and port.
    @Test func overTheServersUnixSocket() async throws {
        try await Sandbox.with { sandbox in
            try await PostgresServer.with(sandbox) { server in
                try await server.addAlice()
                try await SQLSetup.run(sandbox, backend: Self.backend(["\"\(server.directory)/.s.PGSQL.\(server.port)\""])) { daemon in
                    let right = try await SQLSetup.check(daemon, "alice", SQLSetup.password)
                    #expect(right.isOK, "\(right): \(daemon.logTail)")
                    #expect(try await SQLSetup.check(daemon, "alice", "Wrong-horse 9") == .answer("NO authentication failed"))
                }
            }
        }
    }

    @Test func outageThenRecoveryWithoutRestart() async throws {
        try await Sandbox.with { sandbox in
            try await PostgresServer.with(sandbox) { server in
                try await SQLSetup.outage(sandbox, server, backend: Self.backend([server.host]))
            }
        }
    }

    /// A database error is unavailable with the server's message, never the user's password.
    @Test func databaseErrorIsUnavailableWithServersMessage() async throws {
        try await Sandbox.with { sandbox in
            try await PostgresServer.with(sandbox) { server in
                let missingTable = Self.backend([server.host]).replacing("FROM mailbox", with: "FROM no_such_table")
                try await SQLSetup.run(sandbox, backend: missingTable) { daemon in
                    #expect(try await SQLSetup.check(daemon, "alice", SQLSetup.password) == .answer("NO temporarily unavailable"))
                    try await daemon.waitForLog(containing: "ERROR 42P01: relation")
                    #expect(daemon.log.contains(#"relation \"no_such_table\" does not exist"#), "\(daemon.logTail)")
                }
                TestSecrets.register("Not-the-db-pass 1")
                try await SQLSetup.run(sandbox, backend: Self.backend([server.host], password: "Not-the-db-pass 1")) { daemon in
                    #expect(try await SQLSetup.check(daemon, "alice", SQLSetup.password) == .answer("NO temporarily unavailable"))
                    // libpq gives a refused login as its message, without the SQLSTATE.
                    try await daemon.waitForLog(containing: "\(server.host): FATAL: password authentication failed for user")
                }
            }
        }
    }

    @Test func tlsVerifyFullWithClientCertificate() async throws {
        try await Sandbox.with { sandbox in
            let certificates = try await TestCertificates.make(in: sandbox.path, name: "pg")
            let client = try await certificates.makeClient(name: "authmux")
            let other = try await TestCertificates.make(in: sandbox.path, name: "other")
            try await PostgresServer.with(sandbox, certificates: certificates) { server in
                try await server.addAlice()
                let host = "localhost:\(server.port)"
                func tls(_ ca: String) -> String {
                    ", sslmode: verify-full, ssl_ca_file: \(ca), ssl_cert_file: \(client.certFile), ssl_key_file: \(client.keyFile)"
                }
                try await SQLSetup.run(sandbox, backend: Self.backend([host], extra: tls(certificates.caFile))) { daemon in
                    let right = try await SQLSetup.check(daemon, "alice", SQLSetup.password)
                    #expect(right.isOK, "\(right)")
                    #expect(try await SQLSetup.check(daemon, "alice", "Wrong-horse 9") == .answer("NO authentication failed"))
                }
                // The server's certificate does not chain to this CA: refused.
                try await SQLSetup.run(sandbox, backend: Self.backend([host], extra: tls(other.caFile))) { daemon in
                    #expect(try await SQLSetup.check(daemon, "alice", SQLSetup.password) == .answer("NO temporarily unavailable"))
                    try await daemon.waitForLog(containing: "db: unavailable (query: localhost:\(server.port)")
                }
                // Without TLS the server's hostssl-only rules refuse the login.
                try await SQLSetup.run(sandbox, backend: Self.backend([host])) { daemon in
                    #expect(try await SQLSetup.check(daemon, "alice", SQLSetup.password) == .answer("NO temporarily unavailable"))
                    try await daemon.waitForLog(containing: "no pg_hba.conf entry")
                }
            }
        }
    }
}
