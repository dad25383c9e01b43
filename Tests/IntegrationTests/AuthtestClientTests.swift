import Testing

/// `authtest`, our client: its exit status is what scripts and monitoring read (0 OK, 1 NO,
/// 2 usage or connection error), and `--password-stdin` keeps passwords out of `ps`.
@Suite(.timeLimit(.minutes(2)))
struct AuthtestClientTests {
    typealias S = StandardSetup

    @Test func exitStatusFollowsTheAnswer() async throws {
        try await S.run { sandbox, _, daemon in
            let socket = daemon.socketPath
            let positional = try await SaslClients.authtest([S.user, S.realm, S.password, "-f", socket])
            #expect(positional.termination == .exited(0), "positional, right password: \(positional)")
            #expect(positional.stdout.contains("OK"), "should print the answer: \(positional)")

            let flags = try await SaslClients.authtest(
                ["-u", "foo@example.com", "-p", S.password, "-s", "imap", "-f", socket])
            #expect(flags.termination == .exited(0), "testsaslauthd-style flags: \(flags)")

            let flagsWithRealm = try await SaslClients.authtest(
                ["-u", S.user, "-r", "mail.example.com", "-p", S.password, "-s", "imap", "-f", socket])
            #expect(flagsWithRealm.termination == .exited(0), "-u/-r/-p/-s/-f: \(flagsWithRealm)")

            let wrong = try await SaslClients.authtest([S.user, S.realm, "wrong password", "-f", socket])
            #expect(wrong.termination == .exited(1), "wrong password: \(wrong)")
            #expect(wrong.stdout.contains("NO"), "should print the NO answer: \(wrong)")

            let unknown = try await SaslClients.authtest(["nobody", S.realm, S.password, "-f", socket])
            #expect(unknown.termination == .exited(1), "unknown user: \(unknown)")

            let noSocket = try await SaslClients.authtest(
                [S.user, S.realm, S.password, "-f", sandbox.file("no-such-socket")])
            #expect(noSocket.termination == .exited(2), "a socket that does not exist: \(noSocket)")

            let usage = try await SaslClients.authtest(["--no-such-option", "-f", socket])
            #expect(usage.termination == .exited(2), "an unknown option: \(usage)")
        }
    }

    @Test func passwordFromStandardInput() async throws {
        try await S.run { _, _, daemon in
            let socket = daemon.socketPath
            // As `echo "$PASSWORD" | authtest ...` sends it: one trailing newline, not part of
            // the password.
            let piped = try await SaslClients.authtest(
                ["-u", S.user, "-r", S.realm, "--password-stdin", "-f", socket], stdin: S.password + "\n")
            #expect(piped.termination == .exited(0), "--password-stdin with a newline: \(piped)\n\(daemon.logTail)")
            #expect(piped.stdout.contains(S.password) == false, "authtest echoed the password: \(piped)")

            let noNewline = try await SaslClients.authtest(
                ["-u", S.user, "-r", S.realm, "--password-stdin", "-f", socket], stdin: S.password)
            #expect(noNewline.termination == .exited(0), "--password-stdin without a newline: \(noNewline)")

            let wrong = try await SaslClients.authtest(
                ["-u", S.user, "-r", S.realm, "--password-stdin", "-f", socket], stdin: "wrong password\n")
            #expect(wrong.termination == .exited(1), "--password-stdin, wrong password: \(wrong)")
        }
    }
}
