import SocketTestSupport
import Testing

/// Cyrus `testsaslauthd`, the reference client, against the real daemon and a sasldb written by
/// the real `saslpasswd2`: every spelling of a user name from the design's normalization table
/// must reach the same entry, and a refusal must not reveal whether the user exists.
@Suite(.timeLimit(.minutes(2)))
struct SaslauthdCompatibilityTests {
    typealias S = StandardSetup

    @Test func spellingsOfOneUserReachTheSameSasldbEntry() async throws {
        try await S.run { _, _, daemon in
            let socket = daemon.socketPath
            // (login, realm field) pairs that all normalize to foo / example.com.
            let spellings: [(String, String?)] = [
                ("foo@example.com", nil),        // realm inside the login
                ("foo", "example.com"),           // realm in its own field (-r)
                ("foo@vm", nil),                  // alias in the login
                ("foo", "mail.example.com"),      // alias in the realm field
                ("foo", nil),                     // no realm: realms.default
                ("foo@EXAMPLE.COM", nil),         // realms are case-insensitive
                ("foo@example.com.", nil),        // a trailing dot is dropped
                ("foo@example.com", "elsewhere.org"), // the login's realm wins over the field
            ]
            for (login, realm) in spellings {
                let result = try await SaslClients.testsaslauthd(
                    user: login, password: S.password, realm: realm, service: S.service, socketPath: socket)
                #expect(result.termination == .exited(0) && result.stdout.contains("OK"),
                        "login \(login) realm \(realm ?? "(none)") should be accepted: \(result)\n\(daemon.logTail)")
            }
        }
    }

    @Test func wrongPasswordAndUnknownUserAreRefusedAlike() async throws {
        try await S.run { _, _, daemon in
            let socket = daemon.socketPath
            let wrongPassword = try await SaslClients.testsaslauthd(
                user: "foo@example.com", password: "not the password", socketPath: socket)
            #expect(wrongPassword.termination != .exited(0) && wrongPassword.stdout.contains("NO"),
                    "wrong password must be refused: \(wrongPassword)")

            let unknownUser = try await SaslClients.testsaslauthd(
                user: "nosuchuser@example.com", password: S.password, socketPath: socket)
            #expect(unknownUser.termination != .exited(0) && unknownUser.stdout.contains("NO"),
                    "unknown user must be refused: \(unknownUser)")

            // The login is case-sensitive (lowercase_user: false): FOO is another, unknown user.
            let otherCase = try await SaslClients.testsaslauthd(
                user: "FOO@example.com", password: S.password, socketPath: socket)
            #expect(otherCase.termination != .exited(0) && otherCase.stdout.contains("NO"),
                    "FOO is not foo when lowercase_user is false: \(otherCase)")

            // testsaslauthd does not print the server's reason, so compare the raw answers: they
            // must be identical, or the answer tells an attacker which users exist.
            let wrong = try await RawSaslauthdClient.exchange(
                socketPath: socket, fields: ["foo", "not the password", S.service, S.realm])
            let unknown = try await RawSaslauthdClient.exchange(
                socketPath: socket, fields: ["nosuchuser", S.password, S.service, S.realm])
            #expect(wrong == .answer("NO authentication failed"), "wrong password: \(wrong)")
            #expect(unknown == wrong, "unknown user \(unknown) differs from wrong password \(wrong)")
            #expect(daemon.log.contains(S.password) == false, "the daemon logged a password")
        }
    }

    /// A user created without `-u` is stored under the host's name as realm. With that name as
    /// `realms.default` (Cyrus's own default) and no alias folding it into another realm, all
    /// the usual spellings reach it.
    @Test func userCreatedWithoutRealmIsReachedThroughTheHostRealm() async throws {
        try await Sandbox.with { sandbox in
            let db = SaslDB(path: sandbox.sasldbPath)
            try await db.setPassword("bar-secret", user: "bar", realm: nil)
            let hostRealm = try await db.realm(ofUser: "bar")
            #expect(hostRealm.isEmpty == false)

            var config = DaemonConfig(sandbox: sandbox)
            config.defaultRealm = hostRealm
            config.aliases = [("mail.example.com", "example.com")]
            let configPath = try config.write(into: sandbox)
            try await TestDaemon.with(configPath: configPath, socketPath: config.socketPath) { daemon in
                let spellings: [(String, String?)] = [("bar", nil), ("bar@\(hostRealm)", nil), ("bar", hostRealm)]
                for (login, realm) in spellings {
                    let result = try await SaslClients.testsaslauthd(
                        user: login, password: "bar-secret", realm: realm, socketPath: daemon.socketPath)
                    #expect(result.termination == .exited(0) && result.stdout.contains("OK"),
                            "login \(login) realm \(realm ?? "(none)") (sasldb entry bar@\(hostRealm)): \(result)\n\(daemon.logTail)")
                }
                // Same user name, different realm: a different (missing) entry.
                let elsewhere = try await SaslClients.testsaslauthd(
                    user: "bar@example.com", password: "bar-secret", socketPath: daemon.socketPath)
                #expect(elsewhere.termination != .exited(0) && elsewhere.stdout.contains("NO"),
                        "bar@example.com is not bar@\(hostRealm): \(elsewhere)")
            }
        }
    }

    /// The password is compared as the exact bytes sent: no trimming, no case folding, no
    /// prefix match, UTF-8 untouched.
    @Test func passwordsAreComparedByteForByte() async throws {
        try await S.run { _, db, daemon in
            let password = "pässwörd ✓ 7"
            try await db.setPassword(password, user: "utf", realm: S.realm)
            let socket = daemon.socketPath
            let right = try await RawSaslauthdClient.exchange(socketPath: socket, fields: ["utf", password, S.service, S.realm])
            #expect(right.isOK, "the exact UTF-8 password: \(right)\n\(daemon.logTail)")
            let viaTool = try await SaslClients.testsaslauthd(
                user: "utf@example.com", password: password, socketPath: socket)
            #expect(viaTool.termination == .exited(0), "the exact UTF-8 password via testsaslauthd: \(viaTool)")
            for variant in [password + " ", " " + password, "PÄSSWÖRD ✓ 7", "pässwörd ✓", password + "7",
                            "pa\u{308}sswo\u{308}rd ✓ 7" /* same text, decomposed: other bytes */] {
                let reply = try await RawSaslauthdClient.exchange(socketPath: socket, fields: ["utf", variant, S.service, S.realm])
                #expect(reply.isNO, "variant \(String(reflecting: variant)) must be refused: \(reply)")
            }
        }
    }
}
