import Foundation
import Glibc
import SocketTestSupport
import Testing

/// A sql backend's configuration: mistakes stop the start at their line, check-config never
/// prints the database password, and a password_file others may read is refused.
@Suite(.timeLimit(.minutes(3)))
struct SQLConfigTests {
    static func config(socket: String, backendLines: [String]) -> String {
        (["listen:", "  - protocol: saslauthd", "    path: \(socket)", "backends:", "  db:"] + backendLines.map { "    " + $0 }
            + ["routes:", "  - use: [ db ]"]).joined(separator: "\n") + "\n"
    }

    static let server = ["type: sql", "driver: postgresql", "hosts: [ 127.0.0.1 ]", "user: authmux"]

    /// Each mistake, the line it is on (1-based, the backend's keys start on line 6), and
    /// what the message must name.
    static let broken: [(lines: [String], line: Int, mention: String)] = [
        (server + ["password_query: \"SELECT password FROM mailbox WHERE username = %{usr}\""], 10, "unknown token %{usr}"),
        (server + ["password_query: \"SELECT password FROM mailbox WHERE username = $1\""], 10, "names no token"),
        (server + ["password_query: \"SELECT password FROM mailbox WHERE username = %{user} OR username = $1\""], 10, "not $1 placeholders"),
        (server + ["password_query: \"SELECT password FROM mailbox WHERE username LIKE '%a'\""], 10, "a % must start a token"),
        (server + ["password_query: \"SELECT password FROM mailbox WHERE username = %{user}\"", "sslmode: verify"], 11, "verify-full"),
        (server + ["password_query: \"SELECT password FROM mailbox WHERE username = %{user}\"", "default_scheme: ROT13"], 11, "ROT13"),
        (["type: sql", "driver: sqlite", "path: /tmp/x.db", "hosts: [ a ]", "password_query: \"SELECT 1 WHERE %{user} = 1\""], 9, "is for a database server"),
        (["type: sql", "driver: oracle"], 7, "postgresql, mariadb, sqlite"),
        (["type: sql", "driver: postgresql", "hosts: [ /run/postgresql ]", "user: authmux", "password_query: \"SELECT 1 WHERE %{user} = 1\""], 8,
         "a PostgreSQL socket is named by its file"),
        (server + ["password_query: \"SELECT password FROM mailbox WHERE username = %{user}\"", "pasword: x"], 11, "backends.db.pasword"),
    ]

    @Test func mistakesStopAtTheirLine() async throws {
        try await Sandbox.with { sandbox in
            for (index, item) in Self.broken.enumerated() {
                let path = try sandbox.write(Self.config(socket: sandbox.socketPath, backendLines: item.lines), to: "bad\(index).yaml")
                let check = try await ProcessRunner.run(try IntegrationEnvironment.authmuxd(), ["check-config", "--config", path], timeout: .seconds(20))
                #expect(check.termination == .exited(2), "\(item.mention): \(check)")
                #expect(check.output.contains("\(path):\(item.line):"), "\(item.mention): \(check)")
                #expect(check.output.contains(item.mention), "\(item.mention): \(check)")
            }
        }
    }

    @Test func checkConfigNeverPrintsTheDatabasePassword() async throws {
        try await Sandbox.with { sandbox in
            let secret = "Db-secret 99"
            let lines = Self.server + ["password: \"\(secret)\"", "password_query: \"SELECT password FROM mailbox WHERE username = %{user}\""]
            let path = try sandbox.write(Self.config(socket: sandbox.socketPath, backendLines: lines), to: "good.yaml")
            let check = try await ProcessRunner.run(try IntegrationEnvironment.authmuxd(), ["check-config", "--config", path], timeout: .seconds(20))
            #expect(check.termination == .exited(0), "\(check)")
            #expect(check.output.contains("SQL postgresql 127.0.0.1:5432"), "\(check)")
            #expect(check.output.contains("password set (not shown)"), "\(check)")
            #expect(!check.output.contains(secret), "check-config printed the database password: \(check)")
        }
    }

    @Test func passwordFileOthersMayReadIsRefused() async throws {
        try await Sandbox.with { sandbox in
            let file = try sandbox.write("Db-secret 98\n", to: "db.pass")
            chmod(file, 0o644)
            let lines = Self.server + ["password_file: \(file)", "password_query: \"SELECT password FROM mailbox WHERE username = %{user}\""]
            let path = try sandbox.write(Self.config(socket: sandbox.socketPath, backendLines: lines), to: "pf.yaml")
            let check = try await ProcessRunner.run(try IntegrationEnvironment.authmuxd(), ["check-config", "--config", path], timeout: .seconds(20))
            #expect(check.termination == .exited(2), "\(check)")
            #expect(check.output.contains("\(path):10:") && check.output.contains("mode 644"), "\(check)")
            chmod(file, 0o600)
            let fixed = try await ProcessRunner.run(try IntegrationEnvironment.authmuxd(), ["check-config", "--config", path], timeout: .seconds(20))
            #expect(fixed.termination == .exited(0), "\(fixed)")
            #expect(!fixed.output.contains("Db-secret 98"), "\(fixed)")
        }
    }
}
