import SocketTestSupport
import Testing

/// The pwcheck front door against the real daemon and a sasldb written by saslpasswd2. Debian's
/// libsasl2 is built without the pwcheck verifier (`pwcheck_method: pwcheck` logs "unknown
/// password verifier(s) pwcheck"), so the client here is a raw socket that speaks exactly what
/// Cyrus SASL's `pwcheck_verify_password` sends, and `authtest --protocol pwcheck`.
@Suite(.timeLimit(.minutes(2)))
struct PwcheckFrontDoorTests {
    typealias S = StandardSetup

    @Test func rightAndWrongPasswordsAndRealms() async throws {
        try await FrontDoorSetup.run { sandbox, _, daemon in
            let socket = sandbox.pwcheckPath
            for login in ["foo@example.com", "foo", "foo@mail.example.com", "foo@EXAMPLE.COM."] {
                let answer = try await FrontDoorClient.pwcheck(socketPath: socket, login: login, password: S.password)
                #expect(answer == "OK", "\(login): \(answer.debugDescription)")
            }
            let wrong = try await FrontDoorClient.pwcheck(socketPath: socket, login: "foo@example.com", password: "wrong password")
            #expect(wrong == "authentication failed", "wrong password: \(wrong.debugDescription)")
            let unknown = try await FrontDoorClient.pwcheck(socketPath: socket, login: "nobody", password: S.password)
            #expect(unknown == wrong, "an unknown user must read like a wrong password: \(unknown.debugDescription)")
            // Another realm is another sasldb key: the split reached the backend.
            let otherRealm = try await FrontDoorClient.pwcheck(socketPath: socket, login: "foo@other.example", password: S.password)
            #expect(!otherRealm.hasPrefix("OK"), "foo@other.example: \(otherRealm.debugDescription)")

            #expect(await daemon.waitUntilLogContains("user=nobody"), "every check is logged\n\(daemon.logTail)")
            let log = daemon.log
            #expect(log.contains("protocol=pwcheck"), "check lines should name the protocol\n\(daemon.logTail)")
            #expect(log.contains("service=pwcheck"), "the default service is pwcheck\n\(daemon.logTail)")
            #expect(!log.contains(S.password), "the password reached the log")
        }
    }

    @Test func theListenersServiceIsTheChecksService() async throws {
        try await FrontDoorSetup.run(pwcheckService: "sendmail") { sandbox, _, daemon in
            let answer = try await FrontDoorClient.pwcheck(socketPath: sandbox.pwcheckPath, login: "foo", password: S.password)
            #expect(answer == "OK")
            #expect(await daemon.waitUntilLogContains("service=sendmail"), "\(daemon.logTail)")
        }
    }

    @Test func overlongInputIsRefusedAndTheDaemonGoesOn() async throws {
        try await FrontDoorSetup.run { sandbox, _, daemon in
            let socket = sandbox.pwcheckPath
            let long = String(repeating: "x", count: 300)
            let cases: [(String, [UInt8])] = [
                ("300-byte login", Array(long.utf8) + [0] + Array(S.password.utf8) + [0]),
                ("300-byte password", Array("foo".utf8) + [0] + Array(long.utf8) + [0]),
                ("4 KiB without a NUL", [UInt8](repeating: 0x61, count: 4096)),
                ("bytes after the password", Array("foo".utf8) + [0] + Array(S.password.utf8) + [0] + Array("foo".utf8)),
            ]
            for (name, bytes) in cases {
                let answer = try await FrontDoorClient.exchange(socketPath: socket, bytes: bytes)
                #expect(!answer.isEmpty && !answer.hasPrefix("OK"), "\(name): \(answer.debugDescription)")
                let good = try await FrontDoorClient.pwcheck(socketPath: socket, login: "foo", password: S.password)
                #expect(good == "OK", "after \(name): \(good.debugDescription)\n\(daemon.logTail)")
            }
        }
    }

    @Test func aClientThatSendsNoNULIsAnsweredAndClosed() async throws {
        try await FrontDoorSetup.run { sandbox, _, daemon in
            let socket = sandbox.pwcheckPath
            // Ends its side: the daemon answers at once with what it has.
            let halfClosed = try await FrontDoorClient.exchange(socketPath: socket, bytes: Array("foo".utf8), shutdownWrite: true)
            #expect(halfClosed == "incomplete request", "\(halfClosed.debugDescription)")

            // Keeps its side open: the read deadline (2 s here) ends it; meanwhile others are served.
            let silent = try RawSaslauthdClient(socketPath: socket)
            try silent.send(Array("foo\0Tr0ub".utf8))
            let meanwhile = try await FrontDoorClient.pwcheck(socketPath: socket, login: "foo", password: S.password)
            #expect(meanwhile == "OK", "a stalled client must not hold up others: \(meanwhile.debugDescription)")
            let late = String(decoding: try await silent.readToEnd(), as: UTF8.self)
            #expect(late == "incomplete request", "\(late.debugDescription)\n\(daemon.logTail)")
            try await S.expectStillServes(daemon)
        }
    }

    @Test func authtestSpeaksPwcheck() async throws {
        try await FrontDoorSetup.run { sandbox, _, _ in
            let socket = sandbox.pwcheckPath
            let ok = try await SaslClients.authtest(["--protocol", "pwcheck", "-f", socket, S.user, S.realm, S.password])
            #expect(ok.termination == .exited(0) && ok.stdout == "OK\n", "\(ok)")
            let wrong = try await SaslClients.authtest(["--protocol", "pwcheck", "-f", socket, "-u", "foo@example.com", "-p", "nope"])
            #expect(wrong.termination == .exited(1) && wrong.stdout.contains("authentication failed"), "\(wrong)")
            let nothing = try await SaslClients.authtest(["--protocol", "pwcheck", "-f", sandbox.file("nothing"), S.user, S.realm, S.password])
            #expect(nothing.termination == .exited(2), "\(nothing)")
        }
    }
}
