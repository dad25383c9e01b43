import Testing

/// The authdaemond front door with the real client: Debian's libsasl2 2.1.28 is built with
/// Courier authdaemond support (its library names `authdaemond_path` and "cannot connect to
/// Courier authdaemond"), so the libsasl2 consumer fixture with `pwcheck_method: authdaemond`
/// is an unmodified consumer of this protocol. libsasl2 sends the canonical user (`foo`,
/// `foo@example.com`, or `foo@<user_realm>` when the server passed a realm) and the service
/// given to `sasl_server_new`.
@Suite(.timeLimit(.minutes(2)))
struct AuthdaemondFrontDoorTests {
    typealias S = StandardSetup

    /// The consumer, configured to ask an authdaemond socket.
    static func consumer(in sandbox: Sandbox, socketPath: String) async throws -> (binary: String, confDir: String) {
        let built = try await LibSaslConsumerTests.buildConsumer(in: sandbox, socketPath: sandbox.socketPath)
        try sandbox.write("pwcheck_method: authdaemond\nauthdaemond_path: \(socketPath)\n", to: "sasl/authmuxtest.conf")
        return built
    }

    @Test func libsasl2AuthenticatesThroughAuthdaemond() async throws {
        try await FrontDoorSetup.run { sandbox, _, daemon in
            let (consumer, confDir) = try await Self.consumer(in: sandbox, socketPath: sandbox.authdaemondPath)
            func check(_ user: String, _ password: String, extra: [String] = []) async throws -> ProcessResult {
                try await ProcessRunner.run(consumer, ["-c", confDir, "-s", S.service] + extra + [user, password], timeout: .seconds(20))
            }
            for (user, extra) in [("foo@example.com", []), ("foo", []), ("foo@mail.example.com", []), ("foo", ["-r", "mail.example.com"])] {
                let result = try await check(user, S.password, extra: extra)
                #expect(result.termination == .exited(0) && result.stdout.contains("SASL_OK"),
                        "\(user) \(extra) through libsasl2's authdaemond client: \(result)\n\(daemon.logTail)")
            }
            let wrong = try await check("foo@example.com", "wrong password")
            #expect(wrong.termination == .exited(1), "wrong password: \(wrong)")
            // FAIL is a wrong password to libsasl2 (SASL_BADAUTH), not "could not verify".
            #expect(wrong.stdout.contains("authentication failure"), "\(wrong)")
            let unknown = try await check("nobody@example.com", S.password)
            #expect(unknown.termination == .exited(1), "unknown user: \(unknown)")

            #expect(await daemon.waitUntilLogContains("user=nobody"), "every check is logged\n\(daemon.logTail)")
            let log = daemon.log
            #expect(log.contains("protocol=authdaemond"), "the checks must have come through authdaemond\n\(daemon.logTail)")
            #expect(log.contains("service=\(S.service)"), "libsasl2 sends its service\n\(daemon.logTail)")
            #expect(!log.contains(S.password), "the password reached the log")
        }
    }

    /// Without this, the test above could pass without reaching the daemon.
    @Test func libsasl2FailsWhenNothingListens() async throws {
        try await Sandbox.with { sandbox in
            let (consumer, confDir) = try await Self.consumer(in: sandbox, socketPath: sandbox.authdaemondPath)
            let result = try await ProcessRunner.run(consumer, ["-c", confDir, "foo@example.com", S.password], timeout: .seconds(20))
            #expect(result.termination == .exited(1), "no daemon listening: \(result)")
        }
    }

    @Test func malformedRequestsGetFAILAndTheDaemonGoesOn() async throws {
        try await FrontDoorSetup.run { sandbox, _, daemon in
            let socket = sandbox.authdaemondPath
            func auth(_ payload: String) -> String { "AUTH \(payload.utf8.count)\n\(payload)" }
            let cases: [(String, String)] = [
                ("length that is not a number", "AUTH many\nsmtp\nlogin\nfoo\n\(S.password)\n\n"),
                ("length far beyond any request", "AUTH 99999\nsmtp\nlogin\nfoo\n\(S.password)\n\n"),
                ("length that stops inside the lines", "AUTH 10\nsmtp\nlogin\nfoo\n\(S.password)\n\n"),
                ("missing password line", auth("smtp\nlogin\nfoo\n")),
                ("missing user and password", auth("smtp\nlogin\n")),
                ("unsupported type", auth("imap\ncram-md5\nfoo\nabc\n")),
                ("PRE", "PRE . imap foo\n"),
                ("ENUMERATE", "ENUMERATE\n"),
                ("PASSWD", "PASSWD imap\tfoo\t\(S.password)\tnew\t\n"),
                ("empty line", "\n"),
            ]
            for (name, request) in cases {
                let answer = try await FrontDoorClient.exchange(socketPath: socket, bytes: Array(request.utf8))
                #expect(answer == "FAIL\n", "\(name): \(answer.debugDescription)")
                let good = try await FrontDoorClient.authdaemond(socketPath: socket, service: S.service, login: "foo", password: S.password)
                #expect(good.hasSuffix("\n.\n"), "after \(name): \(good.debugDescription)\n\(daemon.logTail)")
            }
            // A request cut short, then the client's side closed: answered at once.
            let cut = try await FrontDoorClient.exchange(socketPath: socket, bytes: Array("AUTH 40\nsmtp\nlog".utf8), shutdownWrite: true)
            #expect(cut == "FAIL\n", "cut short: \(cut.debugDescription)")
            // One request per connection: the second request in the same write is not answered.
            let two = FrontDoorClient.authdaemondRequest(service: S.service, login: "foo", password: "wrong")
                + FrontDoorClient.authdaemondRequest(service: S.service, login: "foo", password: S.password)
            let first = try await FrontDoorClient.exchange(socketPath: socket, bytes: two)
            #expect(first == "FAIL\n", "only the first request counts: \(first.debugDescription)")

            for command in ["PRE", "ENUMERATE", "PASSWD"] {
                #expect(await daemon.waitUntilLogContains("unsupported command \(command)"), "\(command) should be logged\n\(daemon.logTail)")
            }
            let log = daemon.log
            #expect(!log.contains(S.password), "the password reached the log")
            try await S.expectStillServes(daemon)
        }
    }

    @Test func successNamesTheAccountAsCourierDoes() async throws {
        try await FrontDoorSetup.run { sandbox, _, _ in
            let answer = try await FrontDoorClient.authdaemond(socketPath: sandbox.authdaemondPath, service: "imap", login: "foo@mail.example.com", password: S.password)
            #expect(answer == "USERNAME=foo\nADDRESS=foo@example.com\n.\n", "\(answer.debugDescription)")
        }
    }

    @Test func authtestSpeaksAuthdaemond() async throws {
        try await FrontDoorSetup.run { sandbox, _, _ in
            let socket = sandbox.authdaemondPath
            let ok = try await SaslClients.authtest(["--protocol", "authdaemond", "-f", socket, S.user, S.realm, S.password])
            #expect(ok.termination == .exited(0) && ok.stdout.contains("USERNAME=foo"), "\(ok)")
            let wrong = try await SaslClients.authtest(["--protocol", "authdaemond", "-f", socket, S.user, S.realm, "nope"])
            #expect(wrong.termination == .exited(1) && wrong.stdout == "FAIL\n", "\(wrong)")
            let noSocket = try await SaslClients.authtest(["--protocol", "authdaemond", S.user, S.realm, S.password])
            #expect(noSocket.termination == .exited(2), "authdaemond has no default socket: \(noSocket)")
        }
    }
}
