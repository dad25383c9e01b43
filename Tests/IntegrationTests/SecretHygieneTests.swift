import Glibc
import SocketTestSupport
import Testing

/// Passwords never reach a log line or an error message, whatever path a request takes.
///
/// Every daemon the integration tests start runs with `--debug`, and `TestDaemon.with` searches
/// its whole log for every password the tests registered. This suite drives the paths where a
/// password is most at risk — refused and malformed requests with the password in them, every
/// front door, a reload, and the client's own error messages — with distinctive passwords.
@Suite("Secret hygiene", .timeLimit(.minutes(2)))
struct SecretHygieneTests {
    typealias S = StandardSetup

    @Test func noPasswordInAnyLogLineOrErrorMessage() async throws {
        let wrong = "Wr0ng-hygiene-1"
        let refused = "Refused-hygiene-2"
        let partial = "Partial-hygiene-3"
        for secret in [wrong, refused, partial] { TestSecrets.register(secret) }

        try await FrontDoorSetup.run { sandbox, _, daemon in
            let socket = daemon.socketPath
            // Right and wrong, through each door.
            #expect(try await RawSaslauthdClient.exchange(socketPath: socket, fields: [S.user, S.password, S.service, S.realm]).isOK)
            #expect(try await RawSaslauthdClient.exchange(socketPath: socket, fields: [S.user, wrong, S.service, S.realm]).isNO)
            _ = try await FrontDoorClient.pwcheck(socketPath: sandbox.pwcheckPath, login: "foo@example.com", password: wrong)
            _ = try await FrontDoorClient.authdaemond(socketPath: sandbox.authdaemondPath, service: "imap", login: "foo@example.com", password: wrong)

            // Refused requests that carry a password: bytes after the fields, an overlong realm,
            // a control character in the login, an empty login, a login that is not UTF-8.
            for fields in [
                RawSaslauthdClient.encode([S.user, refused, S.service, S.realm]) + [0x41],
                RawSaslauthdClient.encode([S.user, refused, S.service, String(repeating: "r", count: 300)]),
                RawSaslauthdClient.encode(["fo\u{7}o", refused, S.service, S.realm]),
                RawSaslauthdClient.encode(["", refused, S.service, S.realm]),
                RawSaslauthdClient.encode([[0xFF, 0xFE], Array(refused.utf8), Array(S.service.utf8), Array(S.realm.utf8)]),
            ] {
                let client = try RawSaslauthdClient(socketPath: socket)
                try client.send(fields)
                #expect(try await client.readReply().isNO)
            }
            // A request cut short after the password, then a half-close.
            let cut = try RawSaslauthdClient(socketPath: socket)
            try cut.send(RawSaslauthdClient.encode([S.user, partial]) + [0x00])
            try cut.shutdownWrite()
            #expect(try await cut.readReply().isNO)
            // pwcheck with an overlong login after the password would be.
            _ = try await FrontDoorClient.pwcheck(socketPath: sandbox.pwcheckPath, login: String(repeating: "l", count: 300), password: refused)

            // A reload in the middle of it all.
            daemon.send(signal: SIGHUP)
            try await daemon.waitForLog(containing: "configuration reloaded")
            #expect(try await RawSaslauthdClient.exchange(socketPath: socket, fields: [S.user, wrong, S.service, S.realm]).isNO)

            // The client's own messages: a socket that is not there, a wrong password.
            for arguments in [["-f", sandbox.file("nothing-here"), S.user, S.realm, wrong], ["-f", socket, S.user, S.realm, wrong]] {
                let result = try await SaslClients.authtest(arguments)
                #expect(result.termination != .exited(0))
                #expect(TestSecrets.leaked(in: result.output).isEmpty, "authtest printed a password: \(result)")
            }
            try await daemon.waitForLog(containing: "request refused")
        }
        // FrontDoorSetup.run ends in TestDaemon.with, which has searched the daemon's whole
        // --debug log for every registered password by now.
    }
}
