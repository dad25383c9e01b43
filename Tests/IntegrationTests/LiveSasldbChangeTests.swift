import SocketTestSupport
import Testing

/// An administrator changes and deletes users with `saslpasswd2` while the daemon runs; the
/// next request must see the change without a restart or reload.
@Suite(.timeLimit(.minutes(2)))
struct LiveSasldbChangeTests {
    typealias S = StandardSetup

    @Test func passwordChangeAndDeletionTakeEffectWithoutRestart() async throws {
        try await S.run { _, db, daemon in
            let socket = daemon.socketPath
            let first = try await SaslClients.testsaslauthd(
                user: "foo@example.com", password: S.password, socketPath: socket)
            #expect(first.termination == .exited(0), "before the change: \(first)\n\(daemon.logTail)")

            try await db.setPassword("second-password", user: S.user, realm: S.realm)
            let newPassword = try await SaslClients.testsaslauthd(
                user: "foo@example.com", password: "second-password", socketPath: socket)
            #expect(newPassword.termination == .exited(0) && newPassword.stdout.contains("OK"),
                    "the new password after saslpasswd2: \(newPassword)\n\(daemon.logTail)")
            let oldPassword = try await SaslClients.testsaslauthd(
                user: "foo@example.com", password: S.password, socketPath: socket)
            #expect(oldPassword.termination != .exited(0) && oldPassword.stdout.contains("NO"),
                    "the old password after saslpasswd2: \(oldPassword)\n\(daemon.logTail)")

            // A user added while running is found too.
            try await db.setPassword("newcomer-pw", user: "newcomer", realm: S.realm)
            let newcomer = try await SaslClients.testsaslauthd(
                user: "newcomer@example.com", password: "newcomer-pw", socketPath: socket)
            #expect(newcomer.termination == .exited(0), "a user added while running: \(newcomer)\n\(daemon.logTail)")

            try await db.delete(user: S.user, realm: S.realm)
            #expect(try await db.entries().contains("foo@example.com") == false)
            let deleted = try await SaslClients.testsaslauthd(
                user: "foo@example.com", password: "second-password", socketPath: socket)
            #expect(deleted.termination != .exited(0) && deleted.stdout.contains("NO"),
                    "a deleted user: \(deleted)\n\(daemon.logTail)")
            let deletedRaw = try await RawSaslauthdClient.exchange(
                socketPath: socket, fields: [S.user, "second-password", S.service, S.realm])
            #expect(deletedRaw == .answer("NO authentication failed"), "a deleted user, raw: \(deletedRaw)")
        }
    }

    /// A sasldb that is missing is an unavailable store, not a wrong password: the client is
    /// told `NO temporarily unavailable`, and the daemon recovers by itself once the file exists.
    @Test func missingSasldbIsUnavailableAndRecovers() async throws {
        try await Sandbox.with { sandbox in
            let config = DaemonConfig(sandbox: sandbox)
            let configPath = try config.write(into: sandbox)
            try await TestDaemon.with(configPath: configPath, socketPath: config.socketPath) { daemon in
                let missing = try await RawSaslauthdClient.exchange(
                    socketPath: daemon.socketPath, fields: [S.user, S.password, S.service, S.realm])
                #expect(missing == .answer("NO temporarily unavailable"), "no sasldb file yet: \(missing)")

                try await SaslDB(path: sandbox.sasldbPath).setPassword(S.password, user: S.user, realm: S.realm)
                let created = try await RawSaslauthdClient.exchange(
                    socketPath: daemon.socketPath, fields: [S.user, S.password, S.service, S.realm])
                #expect(created.isOK, "after saslpasswd2 created the file: \(created)\n\(daemon.logTail)")
            }
        }
    }
}
