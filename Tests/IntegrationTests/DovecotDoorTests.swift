import Foundation
import SocketTestSupport
import Testing

/// The Dovecot auth door on the real daemon: `authtest --protocol dovecot` (PLAIN and LOGIN),
/// several requests on one connection answered as they finish, the client address, and a
/// protocol violation that costs only its own connection.
@Suite("Dovecot door (real daemon)", .timeLimit(.minutes(2)))
struct DovecotDoorTests {
    typealias S = StandardSetup

    @Test(arguments: ["PLAIN", "LOGIN"])
    func authtestChecksThroughTheDoor(mechanism: String) async throws {
        try await DovecotSetup.run { _, daemon, path in
            func ask(_ user: String, _ password: String) async throws -> ProcessResult {
                try await SaslClients.authtest(["--protocol", "dovecot", "--mech", mechanism, "-f", path, "-s", "smtp", "-u", user, "-p", password])
            }
            for login in ["foo@example.com", "foo", "foo@mail.example.com"] {
                let right = try await ask(login, S.password)
                #expect(right.termination == .exited(0), "\(login): \(right)\n\(daemon.logTail)")
                // OK carries the canonical identity, whatever the client typed.
                #expect(right.stdout.contains("OK user=foo@example.com"), "\(login): \(right)")
            }
            let wrong = try await ask("foo@example.com", "wrong password")
            #expect(wrong.termination == .exited(1) && wrong.stdout.hasPrefix("FAIL"), "\(wrong)")
            let unknown = try await ask("nobody@example.com", S.password)
            #expect(unknown.termination == .exited(1), "\(unknown)")
            #expect(await daemon.waitUntilLogContains("user=nobody"), "every check is logged\n\(daemon.logTail)")
            #expect(daemon.log.contains("protocol=dovecot"), "\(daemon.logTail)")
            #expect(!daemon.log.contains(S.password), "the password reached the log")
        }
    }

    /// Dovecot's own client, `doveadm auth test`, against the door: it speaks the protocol as
    /// Dovecot's login processes do, and prints the user OK named.
    @Test func doveadmAuthTestIsAnswered() async throws {
        try await DovecotSetup.run { _, daemon, path in
            let doveadm = try IntegrationEnvironment.systemTool("doveadm")
            TestSecrets.register("Wr0ng-d0ve")
            let right = try await ProcessRunner.run(doveadm, ["auth", "test", "-x", "service=imap", "-x", "rip=192.0.2.44", "-a", path, "foo", S.password], timeout: .seconds(30))
            #expect(right.termination == .exited(0) && right.stdout.contains("auth succeeded") && right.stdout.contains("user=foo@example.com"), "\(right)\n\(daemon.logTail)")
            let wrong = try await ProcessRunner.run(doveadm, ["auth", "test", "-a", path, "foo@example.com", "Wr0ng-d0ve"], timeout: .seconds(30))
            #expect(wrong.termination != .exited(0) && wrong.stdout.contains("auth failed"), "\(wrong)")
            #expect(await daemon.waitUntilLogContains("client=192.0.2.44 protocol=dovecot"), "\(daemon.logTail)")
            #expect(daemon.log.contains("service=imap"), "\(daemon.logTail)")
        }
    }

    /// On one connection a wrong password's answer waits out its failure delay while a later
    /// right one is answered at once: the delay holds that one reply, not the connection.
    @Test func aHeldFailureDoesNotHoldTheConnectionsOtherRequests() async throws {
        try await DovecotSetup.run(configure: { $0.failureDelayFloor = "1s" }) { _, daemon, path in
            let lines = try await OwnThread.run { () -> [String] in
                let client = try RawSaslauthdClient(socketPath: path)
                let plain = { (password: String) -> String in
                    var out: [UInt8] = []
                    Self.base64([0] + Array("foo@example.com".utf8) + [0] + Array(password.utf8), into: &out)
                    return String(decoding: out, as: UTF8.self)
                }
                try client.send(Array(("VERSION\t1\t2\nCPID\t1\n"
                    + "AUTH\t1\tPLAIN\tservice=smtp\trip=192.0.2.7\trport=4242\tresp=\(plain("wrong"))\n"
                    + "AUTH\t2\tPLAIN\tservice=smtp\tresp=\(plain(S.password))\n").utf8))
                // The handshake's seven lines, then the two answers.
                return try client.blockingReadLines(9)
            }
            let answers = lines.filter { $0.hasPrefix("OK") || $0.hasPrefix("FAIL") }
            #expect(answers == ["OK\t2\tuser=foo@example.com", "FAIL\t1\tuser=foo@example.com"], "\(lines)\n\(daemon.logTail)")
            #expect(lines.first == "VERSION\t1\t2" && lines.contains("DONE"), "the handshake comes first: \(lines)")
            #expect(await daemon.waitUntilLogContains("client=192.0.2.7;4242"), "rip and rport are the client address\n\(daemon.logTail)")
        }
    }

    @Test func aProtocolViolationCostsOnlyItsConnection() async throws {
        try await DovecotSetup.run { _, daemon, path in
            let received = try await OwnThread.run { () -> String in
                let client = try RawSaslauthdClient(socketPath: path)
                try client.send(Array("VERSION\t1\t2\nAUTH\t1\tCRAM-MD5\tservice=smtp\n".utf8))
                return String(decoding: try client.blockingReadToEnd(), as: UTF8.self)
            }
            #expect(received.hasSuffix("DONE\n"), "only the greeting, then the close: \(received)")
            let after = try await SaslClients.authtest(["--protocol", "dovecot", "-f", path, "-s", "smtp", "-u", "foo@example.com", "-p", S.password])
            #expect(after.termination == .exited(0), "\(after)\n\(daemon.logTail)")
            // Info lines reach the log in batches (up to 50 ms late): waited for, not read at once.
            #expect(await daemon.waitUntilLogContains("unsupported mechanism"), "\(daemon.logTail)")
        }
    }

    /// Base64 for the test's own request, from Foundation (the door's decoder is what is tested).
    static func base64(_ bytes: [UInt8], into out: inout [UInt8]) {
        out += Array(Data(bytes).base64EncodedString().utf8)
    }
}
