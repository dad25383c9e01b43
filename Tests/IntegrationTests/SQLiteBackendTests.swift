import Foundation
import SocketTestSupport
import Testing

/// The sql backend on an SQLite file written by the sqlite3 tool: every behaviour check, and
/// the file opened read-only (a missing file is never created).
@Suite(.timeLimit(.minutes(5)))
struct SQLiteBackendTests {
    static func sqlite3(_ file: String, _ sql: String) async throws {
        let result = try await ProcessRunner.run(try IntegrationEnvironment.systemTool("sqlite3"), [file, sql])
        guard result.termination == .exited(0) else { throw IntegrationError("sqlite3 failed: \(result)") }
    }

    @Test func postfixAdminTable() async throws {
        try await Sandbox.with { sandbox in
            let file = sandbox.file("users.db")
            try await Self.sqlite3(file, "CREATE TABLE mailbox (username varchar(255) NOT NULL, password varchar(255), active tinyint(1) NOT NULL DEFAULT 1)")
            try await SQLSetup.behaviour(sandbox, SQLSetup.Target(
                backend: "driver: sqlite, path: \(file)", execute: { try await Self.sqlite3(file, $0) }, trueValue: "1", falseValue: "0"))
        }
    }

    /// A bare hash in the column takes `default_scheme`; the other tokens are bound too.
    @Test func defaultSchemeAndEveryToken() async throws {
        try await Sandbox.with { sandbox in
            let file = sandbox.file("users.db")
            let argon = try await HashTools.doveadm("ARGON2ID", SQLSetup.password)
            let bare = String(argon.drop { $0 != "}" }.dropFirst())
            try await Self.sqlite3(file, """
                CREATE TABLE users (login text, name text, domain text, service text, hash text);
                INSERT INTO users VALUES ('alice@example.com', 'alice@example.com', 'example.com', 'imap', '\(bare)');
                """)
            let query = "SELECT hash FROM users WHERE login = %{login} AND name = %{user} AND domain = %{realm} AND service = %{service}"
            try await SQLSetup.run(sandbox, backend: "driver: sqlite, path: \(file), default_scheme: ARGON2ID, password_query: \"\(query)\"") { daemon in
                #expect(try await SQLSetup.check(daemon, "alice@example.com", SQLSetup.password, realm: "").isOK)
                #expect(try await SQLSetup.check(daemon, "alice@example.com", "Wrong-horse 9", realm: "") == .answer("NO authentication failed"))
                // Another login spelling binds another %{login}: no row.
                #expect(try await SQLSetup.check(daemon, "alice", SQLSetup.password) == .answer("NO authentication failed"))
                try await daemon.waitForLog(containing: "db: unknown user")
            }
        }
    }

    @Test func missingFileIsUnavailableAndNeverCreated() async throws {
        try await Sandbox.with { sandbox in
            let file = sandbox.file("absent.db")
            try await SQLSetup.run(sandbox, backend: "driver: sqlite, path: \(file), password_query: \"SELECT password FROM mailbox WHERE username = %{user}\"") { daemon in
                #expect(try await SQLSetup.check(daemon, "alice", SQLSetup.password) == .answer("NO temporarily unavailable"))
                try await daemon.waitForLog(containing: "db: unavailable (query: sqlite:")
                #expect(!FileManager.default.fileExists(atPath: file), "the read-only open created the file")
                // Written afterwards, it is read without a restart.
                try await Self.sqlite3(file, "CREATE TABLE mailbox (username text, password text); INSERT INTO mailbox VALUES ('alice@example.com', '\(try await HashTools.mkpasswd("sha512crypt", SQLSetup.password))')")
                #expect(try await SQLSetup.check(daemon, "alice", SQLSetup.password).isOK)
            }
        }
    }
}
