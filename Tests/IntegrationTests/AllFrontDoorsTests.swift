import Testing

/// One daemon, three front doors, one sasldb written by saslpasswd2: each protocol's own
/// client gets the same verdicts from the same backends and realm rules.
@Suite(.timeLimit(.minutes(2)))
struct AllFrontDoorsTests {
    typealias S = StandardSetup

    @Test func oneDaemonAnswersAllThreeProtocols() async throws {
        try await FrontDoorSetup.run { sandbox, db, daemon in
            // A user added while the daemon runs is seen through every door.
            try await db.setPassword("s3cond pass", user: "bar", realm: S.realm)

            let reference = try await SaslClients.testsaslauthd(user: "bar", password: "s3cond pass", realm: S.realm, socketPath: sandbox.socketPath)
            #expect(reference.termination == .exited(0), "testsaslauthd on the saslauthd socket: \(reference)\n\(daemon.logTail)")
            let referenceWrong = try await SaslClients.testsaslauthd(user: "bar", password: "nope", realm: S.realm, socketPath: sandbox.socketPath)
            #expect(referenceWrong.termination != .exited(0), "testsaslauthd, wrong password: \(referenceWrong)")

            let pwcheck = try await FrontDoorClient.pwcheck(socketPath: sandbox.pwcheckPath, login: "bar@example.com", password: "s3cond pass")
            #expect(pwcheck == "OK", "pwcheck: \(pwcheck.debugDescription)")
            let pwcheckWrong = try await FrontDoorClient.pwcheck(socketPath: sandbox.pwcheckPath, login: "bar@example.com", password: "nope")
            #expect(pwcheckWrong == "authentication failed", "pwcheck, wrong: \(pwcheckWrong.debugDescription)")

            let (consumer, confDir) = try await AuthdaemondFrontDoorTests.consumer(in: sandbox, socketPath: sandbox.authdaemondPath)
            let viaLibsasl2 = try await ProcessRunner.run(consumer, ["-c", confDir, "bar@example.com", "s3cond pass"], timeout: .seconds(20))
            #expect(viaLibsasl2.termination == .exited(0), "libsasl2 via authdaemond: \(viaLibsasl2)\n\(daemon.logTail)")
            let viaLibsasl2Wrong = try await ProcessRunner.run(consumer, ["-c", confDir, "bar@example.com", "nope"], timeout: .seconds(20))
            #expect(viaLibsasl2Wrong.termination == .exited(1), "libsasl2 via authdaemond, wrong: \(viaLibsasl2Wrong)")

            // authtest speaks each; exit 0 for OK, 1 for NO or FAIL.
            let sockets = [("saslauthd", sandbox.socketPath), ("pwcheck", sandbox.pwcheckPath), ("authdaemond", sandbox.authdaemondPath)]
            for (proto, socket) in sockets {
                let ok = try await SaslClients.authtest(["--protocol", proto, "-f", socket, "bar", S.realm, "s3cond pass"])
                #expect(ok.termination == .exited(0), "authtest --protocol \(proto): \(ok)\n\(daemon.logTail)")
                let wrong = try await SaslClients.authtest(["--protocol", proto, "-f", socket, "bar", S.realm, "nope"])
                #expect(wrong.termination == .exited(1), "authtest --protocol \(proto), wrong password: \(wrong)")
            }
        }
    }

    @Test func checkConfigListsEveryFrontDoor() async throws {
        try await Sandbox.with { sandbox in
            var config = DaemonConfig(sandbox: sandbox)
            config.extraListeners = [
                .init(protocolName: "pwcheck", path: sandbox.pwcheckPath, service: "sendmail"),
                .init(protocolName: "authdaemond", path: sandbox.authdaemondPath),
            ]
            let path = try config.write(into: sandbox)
            let check = try await ProcessRunner.run(try IntegrationEnvironment.authmuxd(), ["check-config", "--config", path], timeout: .seconds(20))
            #expect(check.termination == .exited(0), "\(check)")
            #expect(check.stdout.contains("saslauthd on \(sandbox.socketPath)"), "\(check)")
            #expect(check.stdout.contains("pwcheck on \(sandbox.pwcheckPath)"), "\(check)")
            #expect(check.stdout.contains("service sendmail"), "\(check)")
            #expect(check.stdout.contains("authdaemond on \(sandbox.authdaemondPath)"), "\(check)")
        }
    }
}
