import SocketTestSupport
import Testing

/// A daemon whose one route is a sql backend named `db` (`OneBackendSetup`; `backend` is the
/// inside of its `{ type: sql, … }` mapping), and the checks every driver must pass against
/// Postfix Admin's `mailbox` table. No credential cache: a password changed by UPDATE must be
/// seen by the next check.
enum SQLSetup {
    static let password = "Right-horse 9"
    static let query = "SELECT password FROM mailbox WHERE username = %{user} AND active = %{active}"

    static func run<T>(_ sandbox: Sandbox, backend: String, _ body: (TestDaemon) async throws -> T) async throws -> T {
        try await OneBackendSetup.run(sandbox, name: "db", backend: "{ type: sql, cache: false, \(backend) }", body)
    }

    static func check(_ daemon: TestDaemon, _ user: String, _ password: String, realm: String = "example.com") async throws -> SaslauthdReply {
        try await OneBackendSetup.check(socketPath: daemon.socketPath, user, password, realm: realm)
    }

    /// hosts: a closed port, a hung server (SIGSTOP, its connections too), then a working one.
    /// The first check is answered by `first` past the closed port (its connection pooled);
    /// once `first` hangs, the pooled connection costs one query timeout and the check is
    /// answered by `second`, as are the ones after, the failed hosts tried last. `backend`
    /// makes the backend's keys for a hosts list.
    static func failover(_ sandbox: Sandbox, first: some DatabaseServer, second: some DatabaseServer, backend: ([String]) -> String) async throws {
        try await first.addAlice()
        try await second.addAlice()
        let closed = try LocalTCP.freePort()
        try await run(sandbox, backend: backend(["127.0.0.1:\(closed)", first.host, second.host])) { daemon in
            #expect(try await check(daemon, "alice", password).isOK)
            try await daemon.waitForLog(containing: "host=127.0.0.1:\(closed)")
            try await first.hang()
            defer { first.resume() }
            #expect(try await check(daemon, "alice", password).isOK, "past a hung server")
            try await daemon.waitForLog(containing: "host=\(first.host)")
            for _ in 0..<3 {
                #expect(try await check(daemon, "alice", password).isOK)
                #expect(try await check(daemon, "alice", "Wrong-horse 9") == .answer("NO authentication failed"))
            }
        }
    }

    /// The server stopped: "temporarily unavailable", with the host in the log; started again:
    /// served, without restarting authmuxd.
    static func outage(_ sandbox: Sandbox, _ server: some DatabaseServer, backend: String) async throws {
        try await server.addAlice()
        try await run(sandbox, backend: backend) { daemon in
            #expect(try await check(daemon, "alice", password).isOK)
            await server.stop()
            #expect(try await check(daemon, "alice", password) == .answer("NO temporarily unavailable"))
            try await daemon.waitForLog(containing: "db: unavailable (query: \(server.host)")
            try await server.launch()
            #expect(try await check(daemon, "alice", password).isOK, "served again after the restart")
        }
    }

    /// One driver's database, seen by the behaviour checks.
    struct Target {
        /// The backend's keys other than the query.
        var backend: String
        /// Runs SQL as the database's administrator.
        var execute: (String) async throws -> Void
        /// How the `active` column says true in this database.
        var trueValue: String
        var falseValue: String
    }

    /// Right and wrong passwords for hashes made by mkpasswd, doveadm pw and htpasswd; an
    /// unknown user; two rows for one user (ambiguous); an inactive row; a NULL password;
    /// logins that would inject SQL if they were spliced; a password changed by UPDATE, seen on
    /// the very next check; and no password or hash in the daemon's log.
    static func behaviour(_ sandbox: Sandbox, _ target: Target) async throws {
        let hashes = [
            ("alice", try await HashTools.mkpasswd("yescrypt", password)),
            ("bob", try await HashTools.doveadm("SHA512-CRYPT", password)),
            ("carol", try await HashTools.htpasswdBcrypt(password)),
            ("dave", try await HashTools.doveadm("ARGON2ID", password)),
            ("erin", try await HashTools.mkpasswd("sha512crypt", password)),
        ]
        let twinHash = try await HashTools.mkpasswd("sha512crypt", password)
        let gone = try await HashTools.mkpasswd("sha512crypt", password)
        var inserts = hashes.map { "('\($0.0)@example.com', '\($0.1)', \(target.trueValue))" }
        inserts += [
            "('twin@example.com', '\(twinHash)', \(target.trueValue))", "('twin@example.com', '\(twinHash)', \(target.trueValue))",
            "('gone@example.com', '\(gone)', \(target.falseValue))", "('nullpw@example.com', NULL, \(target.trueValue))",
        ]
        try await target.execute("INSERT INTO mailbox (username, password, active) VALUES \(inserts.joined(separator: ", "))")
        let query = Self.query.replacing("%{active}", with: target.trueValue)
        try await run(sandbox, backend: "\(target.backend), password_query: \"\(query)\"") { daemon in
            for (user, hash) in hashes {
                let right = try await check(daemon, user, password)
                #expect(right.isOK, "\(user) (\(hash.prefix(8))…) with the right password: \(right)")
                let wrong = try await check(daemon, user, "Wrong-horse 9")
                #expect(wrong == .answer("NO authentication failed"), "\(user) with a wrong password: \(wrong)")
            }
            try await daemon.waitForLog(containing: "db: rejected (wrong password)")
            #expect(try await check(daemon, "nobody", password) == .answer("NO authentication failed"))
            try await daemon.waitForLog(containing: "db: unknown user")
            #expect(try await check(daemon, "twin", password) == .answer("NO authentication failed"))
            try await daemon.waitForLog(containing: "db: rejected (ambiguous: 2 rows)")
            try await daemon.waitForLog(containing: "sql password_query is ambiguous")
            #expect(try await check(daemon, "gone", password) == .answer("NO authentication failed"), "an inactive row")
            #expect(try await check(daemon, "nullpw", password) == .answer("NO authentication failed"))
            try await daemon.waitForLog(containing: "db: rejected (password column is NULL)")
            // Odd user names, nothing more: bound, never spliced.
            for login in ["' OR '1'='1", "alice@example.com' OR '1'='1", "\\'; DROP TABLE mailbox; --", "x' UNION SELECT password FROM mailbox --"] {
                let reply = try await check(daemon, login, password)
                #expect(reply == .answer("NO authentication failed"), "\(login): \(reply)")
            }
            #expect(try await check(daemon, "alice", password).isOK, "the table survived the injection attempts")
            #expect(!daemon.log.contains("unavailable"), "no login broke the query: \(daemon.logTail)")
            // A password changed in the database is the next check's password.
            let newPassword = "New-horse 10"
            let newHash = try await HashTools.mkpasswd("sha512crypt", newPassword)
            try await target.execute("UPDATE mailbox SET password = '\(newHash)' WHERE username = 'alice@example.com'")
            #expect(try await check(daemon, "alice", password) == .answer("NO authentication failed"), "the old password after UPDATE")
            #expect(try await check(daemon, "alice", newPassword).isOK, "the new password after UPDATE")
            for hash in hashes.map(\.1) + [newHash, twinHash] {
                #expect(!daemon.log.contains(String(hash.suffix(16))), "a hash reached the log")
            }
        }
    }
}
