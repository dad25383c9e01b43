import Foundation
import SocketTestSupport
import Testing

/// Issue 14's timing and throttle findings, asserted on what the daemon decided (the check
/// line's `delay_ms=` and `throttle=`), never on the clock: an unknown user and a wrong password
/// wait the same, and the throttle counts an account as its store tells accounts apart.
@Suite("Wrong OKs: equal delays and throttle keys", .timeLimit(.minutes(3)))
struct WrongOKDelayThrottleTests {
    typealias S = StandardSetup

    static func ask(_ socket: String, _ fields: [String]) async throws -> SaslauthdReply {
        try await RawSaslauthdClient.exchange(socketPath: socket, fields: fields)
    }

    /// The check lines of the log, in order.
    static func checkLines(_ daemon: TestDaemon) -> [Substring] {
        daemon.log.split(separator: "\n").filter { $0.contains(" check ") }
    }

    static func field(_ name: String, in line: Substring) -> String? {
        guard let range = line.range(of: " \(name)=") else { return nil }
        return String(line[range.upperBound...].prefix { $0 != " " })
    }

    /// Route `[sasldb, pam]`: a wrong password for a sasldb user used to be answered at once and
    /// an unknown user only after the ~2 s PAM asks for (here pam_faildelay, as pam_unix would),
    /// so timing told who exists. Now all wait the route's one delay, even before PAM has ever
    /// been asked, and with
    /// `failure_delay.floor: 0s` so the equality cannot come from the floor.
    @Test func aSasldbRejectionWaitsAsLongAsAPAMFailureBehindIt() async throws {
        try await Sandbox.with { sandbox in
            try await SaslDB(path: sandbox.sasldbPath).setPassword(S.password, user: S.user, realm: S.realm)
            let stack = try PAMWrapperStack(sandbox: sandbox)
            let passdb = try stack.passdb("passdb", [("pamuser", "pam pw 1", "smtp")])
            try stack.addMatrixService("smtp", passdb: passdb, before: ["\(PAMWrapperStack.module("pam_faildelay.so")) delay=2000000"])
            let config = """
                listen: [ { protocol: saslauthd, path: \(sandbox.socketPath) } ]
                realms: { default: example.com }
                failure_delay: { floor: 0s, cap: 5s }
                cache: { enabled: false }
                throttle: { enabled: false }
                backends:
                  mailusers: { type: sasldb, path: \(sandbox.sasldbPath) }
                  system: { type: pam, threads: 2 }
                routes:
                  - use: [ mailusers, system ]
                """
            let path = try sandbox.write(config, to: "authmux.yaml")
            try await TestDaemon.with(configPath: path, socketPath: sandbox.socketPath, environment: stack.environment) { daemon in
                let socket = daemon.socketPath
                // First a sasldb user's wrong password, before PAM has ever asked for anything.
                #expect(try await Self.ask(socket, [S.user, "wrong", S.service, ""]).isNO)
                #expect(try await Self.ask(socket, ["nobody", "wrong", S.service, ""]).isNO)
                #expect(try await Self.ask(socket, ["pamuser", "wrong", S.service, ""]).isNO)
                #expect(try await Self.ask(socket, [S.user, "wrong again", S.service, ""]).isNO)
                try await daemon.waitForLog(containing: "result=NO", count: 4)
                let delays = Self.checkLines(daemon).map { Self.field("delay_ms", in: $0) }
                // pam_unix's 2 s, which libpam randomizes by up to ±50 %: the top of that range,
                // for every failure on the route.
                #expect(delays == ["3000", "3000", "3000", "3000"], "\(delays)\n\(daemon.logTail)")
                let trails = Self.checkLines(daemon).map { $0.contains("mailusers: rejected") }
                #expect(trails == [true, false, false, true], "the first and last ended in the sasldb, the others in PAM")
            }
        }
    }

    /// LDAP: an unknown user costs one search, a wrong password a search and a bind. With the
    /// default configuration both are now held the same 2 s from the start of the check, which
    /// hides the bind; the log says so.
    @Test func anLDAPUnknownUserWaitsAsLongAsAWrongPassword() async throws {
        try await Sandbox.with { sandbox in
            try await SlapdServer.with(sandbox, ldif: [LDAPFixture.example: LDAPTestSetup.exampleLDIF]) { slapd in
                let config = """
                    listen: [ { protocol: saslauthd, path: \(sandbox.socketPath) } ]
                    cache: { enabled: false }
                    backends:
                      directory:
                        type: ldap
                        servers: [ "\(slapd.url)" ]
                        search_base: "\(LDAPFixture.example)"
                        filter: "\(LDAPTestSetup.bindFilter)"
                    """
                let path = try sandbox.write(config, to: "authmux.yaml")
                try await TestDaemon.with(configPath: path, socketPath: sandbox.socketPath) { daemon in
                    #expect(try await Self.ask(daemon.socketPath, ["alice", "not alice's", "imap", ""]).isNO)
                    #expect(try await Self.ask(daemon.socketPath, ["nobody", "not alice's", "imap", ""]).isNO)
                    try await daemon.waitForLog(containing: "result=NO", count: 2)
                    let lines = Self.checkLines(daemon)
                    #expect(lines.map { Self.field("delay_ms", in: $0) } == ["2000", "2000"], "\(lines)")
                    #expect(lines[0].contains("directory: rejected (bind: Invalid credentials)") && lines[1].contains("directory: unknown user"))
                }
            }
        }
    }

    /// `identity: bare` PAM checks `carol` whatever the realm, so `carol@r1.org`, `carol@r2.org`…
    /// are guesses on one Unix account. The throttle keyed them by the canonical `user@realm`:
    /// each realm was a fresh count. Now the key is what PAM is asked.
    @Test func realmsDoNotDodgeThePAMThrottle() async throws {
        try await Sandbox.with { sandbox in
            let stack = try PAMWrapperStack(sandbox: sandbox)
            let passdb = try stack.passdb("passdb", [("carol", "carol pw 1", "smtp")])
            try stack.addMatrixService("smtp", passdb: passdb)
            let config = """
                listen: [ { protocol: saslauthd, path: \(sandbox.socketPath) } ]
                failure_delay: { floor: 0s, cap: 3s }
                throttle: { free_failures: 3, initial: 5s, max: 5s }
                cache: { enabled: false }
                backends: { system: { type: pam, threads: 2 } }
                """
            let path = try sandbox.write(config, to: "authmux.yaml")
            try await TestDaemon.with(configPath: path, socketPath: sandbox.socketPath, environment: stack.environment) { daemon in
                for realm in ["r1.org", "r2.org", "r3.org", "r4.org"] {
                    #expect(try await Self.ask(daemon.socketPath, ["carol@\(realm)", "wrong", "smtp", ""]).isNO)
                }
                try await daemon.waitForLog(containing: "result=NO", count: 4)
                let throttled = Self.checkLines(daemon).map { Self.field("throttle", in: $0) }
                #expect(throttled == [nil, nil, nil, "user"], "the fourth guess on carol, whatever its realm: \(throttled)")
            }
        }
    }

    /// A directory matches `uid` case-insensitively: `Alice`, `ALICE` and `alice` are one entry
    /// and now one count.
    @Test func spellingsDoNotDodgeTheLDAPThrottle() async throws {
        try await Sandbox.with { sandbox in
            try await SlapdServer.with(sandbox, ldif: [LDAPFixture.example: LDAPTestSetup.exampleLDIF]) { slapd in
                let config = """
                    listen: [ { protocol: saslauthd, path: \(sandbox.socketPath) } ]
                    failure_delay: { floor: 0s }
                    throttle: { free_failures: 3, initial: 1s, max: 1s }
                    cache: { enabled: false }
                    backends:
                      directory:
                        type: ldap
                        servers: [ "\(slapd.url)" ]
                        search_base: "\(LDAPFixture.example)"
                        filter: "\(LDAPTestSetup.bindFilter)"
                    """
                let path = try sandbox.write(config, to: "authmux.yaml")
                try await TestDaemon.with(configPath: path, socketPath: sandbox.socketPath) { daemon in
                    for login in ["Alice", "ALICE", "aLiCe", "alicE"] {
                        #expect(try await Self.ask(daemon.socketPath, [login, "wrong", "imap", ""]).isNO)
                    }
                    try await daemon.waitForLog(containing: "result=NO", count: 4)
                    let lines = Self.checkLines(daemon)
                    #expect(lines.allSatisfy { $0.contains("directory: rejected (bind: Invalid credentials)") }, "every spelling found alice's entry")
                    #expect(lines.map { Self.field("throttle", in: $0) } == [nil, nil, nil, "user"], "\(lines)")
                }
            }
        }
    }
}
