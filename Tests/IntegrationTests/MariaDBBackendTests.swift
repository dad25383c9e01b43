import Foundation
import SocketTestSupport
import Testing

/// The sql backend on a real MariaDB through libmariadb: every behaviour check; failover past
/// a closed port and past a hung server; an outage and the recovery without a restart; the
/// server's messages in the log; TLS verified against the test CA, and a server whose CA is not
/// trusted refused.
@Suite(.serialized, .timeLimit(.minutes(10)))
struct MariaDBBackendTests {
    static let query = "password_query: \"SELECT password FROM mailbox WHERE username = %{user} AND active = 1\""

    static func backend(_ hosts: [String], extra: String = "") -> String {
        "driver: mariadb, hosts: [\(hosts.joined(separator: ", "))], database: authmux, user: authmux, password: \"\(MariaDBServer.password)\", "
            + "connect_timeout: 1s, query_timeout: 1s\(extra), \(query)"
    }

    @Test func postfixAdminTable() async throws {
        try await Sandbox.with { sandbox in
            try await MariaDBServer.with(sandbox) { server in
                try await SQLSetup.behaviour(sandbox, SQLSetup.Target(
                    backend: Self.backend([server.host]).replacing(", \(Self.query)", with: ""), execute: { try await server.sql($0) },
                    trueValue: "1", falseValue: "0"))
            }
        }
    }

    @Test func failoverPastClosedPortAndHungServer() async throws {
        try await Sandbox.with { sandbox in
            try await MariaDBServer.with(sandbox, name: "maria-a") { first in
                try await MariaDBServer.with(sandbox, name: "maria-b") { second in
                    try await SQLSetup.failover(sandbox, first: first, second: second) { Self.backend($0) }
                }
            }
        }
    }

    @Test func outageThenRecoveryWithoutRestart() async throws {
        try await Sandbox.with { sandbox in
            try await MariaDBServer.with(sandbox) { server in
                try await SQLSetup.outage(sandbox, server, backend: Self.backend([server.host]))
                // A table the account may not read: the server's own words.
                try await SQLSetup.run(sandbox, backend: Self.backend([server.host]).replacing("FROM mailbox", with: "FROM no_such_table")) { daemon in
                    #expect(try await SQLSetup.check(daemon, "alice", SQLSetup.password) == .answer("NO temporarily unavailable"))
                    try await daemon.waitForLog(containing: "1142 (42000): SELECT command denied to user 'authmux'@'127.0.0.1' for table")
                }
            }
        }
    }

    @Test func tlsVerifiedAgainstTheCA() async throws {
        try await Sandbox.with { sandbox in
            let certificates = try await TestCertificates.make(in: sandbox.path, name: "maria")
            let other = try await TestCertificates.make(in: sandbox.path, name: "other")
            try await MariaDBServer.with(sandbox, certificates: certificates) { server in
                try await server.addAlice()
                try await SQLSetup.run(sandbox, backend: Self.backend([server.host], extra: ", sslmode: verify-full, ssl_ca_file: \(certificates.caFile)")) { daemon in
                    let reply = try await SQLSetup.check(daemon, "alice", SQLSetup.password)
                    #expect(reply.isOK, "\(reply)")
                }
                try await SQLSetup.run(sandbox, backend: Self.backend([server.host], extra: ", sslmode: verify-full, ssl_ca_file: \(other.caFile)")) { daemon in
                    #expect(try await SQLSetup.check(daemon, "alice", SQLSetup.password) == .answer("NO temporarily unavailable"))
                    try await daemon.waitForLog(containing: "db: unavailable (query: \(server.host)")
                }
                // The account requires TLS: without it the server refuses the login.
                try await SQLSetup.run(sandbox, backend: Self.backend([server.host])) { daemon in
                    #expect(try await SQLSetup.check(daemon, "alice", SQLSetup.password) == .answer("NO temporarily unavailable"))
                    try await daemon.waitForLog(containing: "Access denied for user 'authmux'")
                }
            }
        }
    }
}
