import Foundation
import SocketTestSupport
import Testing

/// The pam backend against real Linux-PAM stacks, run hermetically by pam_wrapper: the daemon
/// is the real binary, libpam is the real library, and the modules are pam_matrix and
/// Linux-PAM's own (pam_unix, pam_faildelay, pam_succeed_if).
@Suite("PAM backend (pam_wrapper)", .timeLimit(.minutes(2)))
struct PAMBackendTests {
    /// Writes `backends`/`routes` under a saslauthd listener in the sandbox and runs the daemon
    /// with pam_wrapper pointed at `stack`.
    static func withDaemon<T>(
        _ sandbox: Sandbox, stack: PAMWrapperStack, body yaml: String, _ test: (TestDaemon) async throws -> T
    ) async throws -> T {
        let config = """
            listen: [ { protocol: saslauthd, path: \(sandbox.socketPath) } ]
            realms: { default: example.com, aliases: { mail.example.com: example.com } }
            \(yaml)
            """
        let path = try sandbox.write(config, to: "authmux.yaml")
        return try await TestDaemon.with(configPath: path, socketPath: sandbox.socketPath, environment: stack.environment, test)
    }

    /// Asks through Cyrus testsaslauthd (exit 0 on OK) and expects `ok`.
    static func expect(
        _ daemon: TestDaemon, _ user: String, _ password: String, service: String, ok: Bool,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let result = try await SaslClients.testsaslauthd(user: user, password: password, service: service, socketPath: daemon.socketPath)
        #expect((result.termination == .exited(0)) == ok, "\(user) / \(service): \(result)", sourceLocation: sourceLocation)
    }

    @Test func rightWrongAndDeniedAtTheAccountStage() async throws {
        try await Sandbox.with { sandbox in
            let stack = try PAMWrapperStack(sandbox: sandbox)
            let passdb = try stack.passdb("passdb", [("alice", "Secret 1!", "smtp"), ("bob", "bob-pw", "imap")])
            // `verbose` makes pam_matrix send info and error messages through the conversation.
            try stack.addMatrixService("smtp", passdb: passdb, options: "verbose")
            try stack.addMatrixService("imap", passdb: passdb)
            try await Self.withDaemon(sandbox, stack: stack, body: "backends: { system: { type: pam } }") { daemon in
                try await Self.expect(daemon, "alice", "Secret 1!", service: "smtp", ok: true)
                try await Self.expect(daemon, "alice", "Secret 2!", service: "smtp", ok: false)
                try await Self.expect(daemon, "bob", "bob-pw", service: "imap", ok: true)
                // bob's password is right, but pam_matrix's account stage allows him imap only.
                try await Self.expect(daemon, "bob", "bob-pw", service: "smtp", ok: false)
                try await daemon.waitForLog(containing: "pam_acct_mgmt: Permission denied")
                try await daemon.waitForLog(containing: "pam_authenticate: Authentication failure")
                #expect(!daemon.log.contains("Secret 2!") && !daemon.log.contains("Secret 1!"), "a password reached the log")
            }
        }
    }

    @Test func percentSFollowsTheRequestAndAFixedServiceIgnoresIt() async throws {
        try await Sandbox.with { sandbox in
            let stack = try PAMWrapperStack(sandbox: sandbox)
            try stack.addMatrixService("smtp", passdb: try stack.passdb("smtp.db", [("dave", "pw-smtp", "smtp")]))
            try stack.addMatrixService("imap", passdb: try stack.passdb("imap.db", [("dave", "pw-imap", "imap")]))
            let yaml = """
                backends:
                  perservice: { type: pam, service: "%s" }
                  imaponly: { type: pam, service: imap }
                routes:
                  - match: { service: pop }
                    use: [ imaponly ]
                  - use: [ perservice ]
                """
            try await Self.withDaemon(sandbox, stack: stack, body: yaml) { daemon in
                try await Self.expect(daemon, "dave", "pw-smtp", service: "smtp", ok: true)
                try await Self.expect(daemon, "dave", "pw-imap", service: "imap", ok: true)
                try await Self.expect(daemon, "dave", "pw-imap", service: "smtp", ok: false)
                // pop has no service file: the fixed backend asks the imap stack instead.
                try await Self.expect(daemon, "dave", "pw-imap", service: "pop", ok: true)
                try await Self.expect(daemon, "dave", "pw-smtp", service: "pop", ok: false)
                // A service name that would leave the PAM folder is never handed to PAM.
                try await Self.expect(daemon, "dave", "pw-smtp", service: "../pam.d/smtp", ok: false)
                try await daemon.waitForLog(containing: "service name not usable as a PAM service")
            }
        }
    }

    @Test func bareAndQualifiedIdentities() async throws {
        try await Sandbox.with { sandbox in
            let stack = try PAMWrapperStack(sandbox: sandbox)
            let passdb = try stack.passdb("passdb", [("carol", "pw-bare", "smtp"), ("carol@example.com", "pw-qualified", "smtp")])
            try stack.addMatrixService("smtp", passdb: passdb)
            let yaml = """
                backends:
                  bare: { type: pam, service: smtp }
                  qualified: { type: pam, service: smtp, identity: qualified }
                routes:
                  - match: { service: q }
                    use: [ qualified ]
                  - use: [ bare ]
                """
            try await Self.withDaemon(sandbox, stack: stack, body: yaml) { daemon in
                try await Self.expect(daemon, "carol@example.com", "pw-bare", service: "b", ok: true)
                try await Self.expect(daemon, "carol@example.com", "pw-qualified", service: "b", ok: false)
                try await Self.expect(daemon, "carol@example.com", "pw-qualified", service: "q", ok: true)
                // The realm rules run first: an alias and a bare login reach PAM as carol@example.com.
                try await Self.expect(daemon, "carol@mail.example.com", "pw-qualified", service: "q", ok: true)
                try await Self.expect(daemon, "carol", "pw-qualified", service: "q", ok: true)
                try await Self.expect(daemon, "carol", "pw-bare", service: "q", ok: false)
            }
        }
    }

    @Test func anUnknownUserPassesToTheNextBackend() async throws {
        try await Sandbox.with { sandbox in
            let stack = try PAMWrapperStack(sandbox: sandbox)
            let unix = PAMWrapperStack.module("pam_unix.so")
            try stack.addService("smtp", lines: ["auth required \(unix)", "account required \(unix)"])
            // No such account on the host, so pam_unix answers PAM_USER_UNKNOWN.
            let user = "amx-nobody-\(UInt32.random(in: 100_000...999_999))"
            try await SaslDB(path: sandbox.sasldbPath).setPassword("db-pw", user: user, realm: "example.com")
            let yaml = """
                backends:
                  system: { type: pam }
                  mailusers: { type: sasldb, path: \(sandbox.sasldbPath) }
                routes:
                  - use: [ system, mailusers ]
                """
            try await Self.withDaemon(sandbox, stack: stack, body: yaml) { daemon in
                try await Self.expect(daemon, user, "db-pw", service: "smtp", ok: true)
                try await daemon.waitForLog(containing: "system: unknown user")
                try await daemon.waitForLog(containing: "backend=mailusers")
            }
        }
    }

    @Test func theClientAddressBecomesPAMRHOST() async throws {
        try await Sandbox.with { sandbox in
            let stack = try PAMWrapperStack(sandbox: sandbox)
            let passdb = try stack.passdb("passdb", [("erin", "erin-pw", "smtp")])
            try stack.addMatrixService("smtp", passdb: passdb, before: ["\(PAMWrapperStack.module("pam_succeed_if.so")) rhost = 192.0.2.7"])
            try await Self.withDaemon(sandbox, stack: stack, body: "backends: { system: { type: pam } }") { daemon in
                let allowed = try await RawSaslauthdClient.exchange(
                    socketPath: daemon.socketPath, fields: ["erin", "erin-pw", "smtp", "", "192.0.2.7;40123"])
                #expect(allowed.isOK, "\(allowed)")
                // Another port on the same host is the same PAM_RHOST (and may come from the cache).
                let samePort = try await RawSaslauthdClient.exchange(
                    socketPath: daemon.socketPath, fields: ["erin", "erin-pw", "smtp", "", "192.0.2.7;40124"])
                #expect(samePort.isOK, "\(samePort)")
                // The credential cache files answers per client host: the acceptance above must
                // not be replayed for a host the stack refuses.
                let elsewhere = try await RawSaslauthdClient.exchange(
                    socketPath: daemon.socketPath, fields: ["erin", "erin-pw", "smtp", "", "192.0.2.8"])
                #expect(elsewhere.isNO, "\(elsewhere)")
                let none = try await RawSaslauthdClient.exchange(socketPath: daemon.socketPath, fields: ["erin", "erin-pw", "smtp", ""])
                #expect(none.isNO, "\(none)")
            }
        }
    }

    /// With `client_address_grace`, a fifth field written after the first four still reaches PAM:
    /// the daemon waits for it (on an event loop) before it asks the stack, which admits only
    /// that host. Without the grace the same split request is checked without an address.
    @Test(arguments: [true, false])
    func aLateFifthFieldReachesPAMWithinTheGrace(grace: Bool) async throws {
        try await Sandbox.with { sandbox in
            let stack = try PAMWrapperStack(sandbox: sandbox)
            let passdb = try stack.passdb("passdb", [("erin", "erin-pw", "smtp")])
            try stack.addMatrixService("smtp", passdb: passdb, before: ["\(PAMWrapperStack.module("pam_succeed_if.so")) rhost = 192.0.2.7"])
            let yaml = "limits: { client_address_grace: \(grace ? "1s" : "0s"), read_timeout: 20s }\nbackends: { system: { type: pam } }"
            try await Self.withDaemon(sandbox, stack: stack, body: yaml) { daemon in
                let reply = try await OwnThread.run { [socketPath = daemon.socketPath] () -> SaslauthdReply in
                    let client = try RawSaslauthdClient(socketPath: socketPath)
                    try client.send(RawSaslauthdClient.encode(["erin", "erin-pw", "smtp", ""]))
                    // Pacing only, so the address arrives as a separate read; nothing is timed.
                    Thread.sleep(forTimeInterval: 0.05)
                    // Without the grace the answer may already be on its way and the daemon
                    // gone from the socket; the send may then fail.
                    try? client.send(RawSaslauthdClient.encode(["192.0.2.7;40123"]))
                    return try client.blockingReadReply()
                }
                #expect(reply.isOK == grace, "\(reply)\n\(daemon.logTail)")
                if grace { try await daemon.waitForLog(containing: "client=192.0.2.7;40123") }
            }
        }
    }

    /// With one PAM thread, a module's four-second failure delay would block every other check
    /// if it were slept on that thread. Here the failing check is sent first, yet the good check
    /// is answered before it, and the failing answer comes no sooner than the delay applied.
    @Test func aFailureDelayHoldsTheAnswerButNotTheThread() async throws {
        try await Sandbox.with { sandbox in
            let stack = try PAMWrapperStack(sandbox: sandbox)
            let passdb = try stack.passdb("passdb", [("frank", "frank-pw", "slow"), ("gina", "gina-pw", "smtp")])
            try stack.addMatrixService("slow", passdb: passdb, before: ["\(PAMWrapperStack.module("pam_faildelay.so")) delay=4000000"])
            try stack.addMatrixService("smtp", passdb: passdb)
            // A long delay leaves the good check seconds of margin on a loaded machine.
            let yaml = "failure_delay: { cap: 10s }\nbackends: { system: { type: pam, threads: 1, services: [ slow, smtp ] } }"
            try await Self.withDaemon(sandbox, stack: stack, body: yaml) { daemon in
                // Both exchanges run on one thread of their own, outside Swift's cooperative pool,
                // which other tests' blocking calls can fill: the good check must be sent while
                // the failing one is pending, whatever else the test process is doing.
                let observation = try await OwnThread.run { [socketPath = daemon.socketPath] in
                    let failing = try RawSaslauthdClient(socketPath: socketPath, receiveTimeout: .seconds(30))
                    let sent = ContinuousClock.now
                    try failing.send(RawSaslauthdClient.encode(["frank", "wrong", "slow", ""]))
                    // A head start, so the failing request reaches the one PAM thread first.
                    Thread.sleep(forTimeInterval: 0.2)
                    let good = try RawSaslauthdClient.blockingExchange(socketPath: socketPath, fields: ["gina", "gina-pw", "smtp", ""])
                    // The good answer is in; the failing one must still be held back.
                    let failingStillPending = failing.isOpenAndSilent()
                    let reply = try failing.blockingReadReply()
                    return (good, failingStillPending, reply, ContinuousClock.now - sent)
                }
                let (good, failingStillPending, reply, failingTook) = observation
                #expect(good.isOK, "\(good)")
                #expect(reply.isNO, "\(reply)")
                #expect(failingStillPending, "the good check waited for the failing one's delay")
                try await daemon.waitForLog(containing: "delay_ms=")
                let applied = try #require(Self.delayMilliseconds(in: daemon.log), "no delay_ms in the log\n\(daemon.logTail)")
                // pam_faildelay asked for 4 s; Linux-PAM scales a delay by a random 0.5 to 1.5.
                #expect(applied >= 2000, "\(daemon.logTail)")
                #expect(failingTook >= .milliseconds(applied), "answered after \(failingTook), delay \(applied) ms")
            }
        }
    }

    @Test func checkConfigDescribesThePAMBackendAndTheFailureDelay() async throws {
        try await Sandbox.with { sandbox in
            let config = """
                listen: [ { protocol: saslauthd, path: \(sandbox.socketPath) } ]
                failure_delay: { floor: 250ms, cap: 5s }
                backends:
                  system: { type: pam, service: nosuchservice, identity: qualified, threads: 3 }
                """
            let path = try sandbox.write(config, to: "authmux.yaml")
            let result = try await ProcessRunner.run(try IntegrationEnvironment.authmuxd(), ["check-config", "--config", path])
            #expect(result.termination == .exited(0), "\(result)")
            #expect(result.stdout.contains("PAM service nosuchservice, identity qualified, 3 threads"), "\(result)")
            #expect(result.stdout.contains("failure_delay: floor 250ms, cap 5s"), "\(result)")
            // A fixed service without a file falls back to PAM's `other` stack: worth a warning.
            #expect(result.stdout.contains("/etc/pam.d/nosuchservice does not exist"), "\(result)")
        }
    }

    static func delayMilliseconds(in log: String) -> Int? {
        guard let range = log.range(of: "delay_ms=") else { return nil }
        return Int(log[range.upperBound...].prefix { $0.isNumber })
    }
}
