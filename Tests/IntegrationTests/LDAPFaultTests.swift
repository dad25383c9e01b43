import Foundation
import Glibc
import Testing

/// What saslauthd -a ldap hangs on: a dead first server, a server that accepts and never
/// answers, and a directory that goes away and comes back. Bounds are generous upper limits
/// for a loaded two-core machine; the outcomes and the log's reasons are what is asserted.
@Suite("LDAP failover and outages (real slapd)", .timeLimit(.minutes(3)))
struct LDAPFaultTests {
    typealias Setup = LDAPTestSetup

    func backend(servers: [String], timeout: String = "1s") -> String {
        """
        backends:
          directory:
            type: ldap
            servers: [ \(servers.map { "\"\($0)\"" }.joined(separator: ", ")) ]
            search_base: "\(LDAPFixture.example)"
            filter: "(uid=%u)"
            timeout: \(timeout)
            search_timeout: \(timeout)
        """
    }

    @Test func aClosedPortFirstFailsOverToTheSecondServer() async throws {
        try await Sandbox.with { sandbox in
            try await SlapdServer.with(sandbox, ldif: [LDAPFixture.example: Setup.exampleLDIF]) { slapd in
                let closed = "ldap://127.0.0.1:\(try LocalTCP.freePort())/"
                try await Setup.withDaemon(sandbox, backend(servers: [closed, slapd.url])) { daemon in
                    let started = ContinuousClock.now
                    try await Setup.expect(daemon, "alice", "alice-pw", ok: true)
                    #expect(ContinuousClock.now - started < .seconds(10))
                    try await Setup.expect(daemon, "alice", "wrong", ok: false)
                    try await daemon.waitForLog(containing: "server=\(closed)")
                    try await daemon.waitForLog(containing: "Can't contact LDAP server")
                }
            }
        }
    }

    @Test func aListenerThatNeverAnswersCostsOneTimeoutThenTheSecondServerAnswers() async throws {
        try await Sandbox.with { sandbox in
            let stalled = try StalledListener()
            try await SlapdServer.with(sandbox, ldif: [LDAPFixture.example: Setup.exampleLDIF]) { slapd in
                try await Setup.withDaemon(sandbox, backend(servers: [stalled.url, slapd.url])) { daemon in
                    let started = ContinuousClock.now
                    try await Setup.expect(daemon, "alice", "alice-pw", ok: true)
                    let first = ContinuousClock.now - started
                    // One 1 s timeout, then slapd; far below the 5 s read deadline of the client.
                    #expect(first < .seconds(8), "took \(first)")
                    try await daemon.waitForLog(containing: "server=\(stalled.url)")
                    try await daemon.waitForLog(containing: "Timed out")
                    // The stalled server is now tried last: later checks do not wait for it.
                    for _ in 0..<3 { try await Setup.expect(daemon, "alice", "alice-pw", ok: true) }
                    try await Setup.expect(daemon, "bob", "alice-pw", ok: false)
                    withExtendedLifetime(stalled) {}
                }
            }
        }
    }

    /// The same stall behind TLS: an ldaps:// server that never sends its half of the
    /// handshake, and a StartTLS request that is never answered, each cost one timeout.
    @Test func aStallDuringTheTLSHandshakeOrStartTLSAlsoCostsOneTimeout() async throws {
        try await Sandbox.with { sandbox in
            let stalled = try StalledListener()
            try await SlapdServer.with(sandbox, ldif: [LDAPFixture.example: Setup.exampleLDIF]) { slapd in
                let stalledTLS = "ldaps://127.0.0.1:\(stalled.port)/"
                let yaml = """
                    backends:
                      ldaps:
                        type: ldap
                        servers: [ "\(stalledTLS)", "\(slapd.url)" ]
                        search_base: "\(LDAPFixture.example)"
                        timeout: 1s
                        search_timeout: 1s
                      starttls:
                        type: ldap
                        servers: [ "\(stalled.url)" ]
                        start_tls: true
                        search_base: "\(LDAPFixture.example)"
                        timeout: 1s
                        search_timeout: 1s
                    routes:
                      - match: { service: starttls }
                        use: [ starttls ]
                      - use: [ ldaps ]
                    """
                try await Setup.withDaemon(sandbox, yaml) { daemon in
                    var started = ContinuousClock.now
                    let cpuBefore = Self.cpuTicks(of: daemon.pid)
                    try await Setup.expect(daemon, "alice", "alice-pw", ok: true)
                    // Generous: a hang would be caught anyway; this only rules out many timeouts.
                #expect(ContinuousClock.now - started < .seconds(20))
                    // Waiting for the handshake must not spin: libldap alone busy-loops there.
                    let spent = Self.cpuTicks(of: daemon.pid) - cpuBefore
                    #expect(spent < 40, "authmuxd used \(spent) clock ticks of CPU during a 1 s stall")
                    try await daemon.waitForLog(containing: "server=\(stalledTLS)")
                    started = ContinuousClock.now
                    let reply = try await Setup.ask(daemon, "alice", "alice-pw", service: "starttls")
                    #expect(reply == .answer("NO temporarily unavailable"), "\(reply)")
                    // Generous: a hang would be caught anyway; this only rules out many timeouts.
                #expect(ContinuousClock.now - started < .seconds(20))
                    try await daemon.waitForLog(containing: "starttls: unavailable")
                    withExtendedLifetime(stalled) {}
                }
            }
        }
    }

    /// The first server hangs (SIGSTOP) while the pool holds connections to it: the check in
    /// flight costs one timeout on the pooled connection, not a second one on a new connection
    /// to the same hung server, and the second server answers.
    @Test func aServerThatHangsWithConnectionsInThePoolCostsOneTimeout() async throws {
        try await Sandbox.with { sandbox in
            let ldif = [LDAPFixture.example: Setup.exampleLDIF]
            try await SlapdServer.with(sandbox, name: "first", ldif: ldif) { first in
                try await SlapdServer.with(sandbox, name: "second", ldif: ldif) { second in
                    try await Setup.withDaemon(sandbox, backend(servers: [first.url, second.url], timeout: "3s")) { daemon in
                        try await Setup.expect(daemon, "alice", "alice-pw", ok: true)
                        first.send(SIGSTOP)
                        defer { first.send(SIGCONT) }
                        let started = ContinuousClock.now
                        try await Setup.expect(daemon, "alice", "alice-pw", ok: true)
                        let took = ContinuousClock.now - started
                        // One 3 s timeout; a second one on a fresh connection would make it 6 s.
                        #expect(took < .milliseconds(5500), "took \(took)")
                        try await daemon.waitForLog(containing: "server=\(first.url)")
                        try await Setup.expect(daemon, "bob", "bob-pw", ok: true)
                    }
                }
            }
        }
    }

    /// A server that grants StartTLS and then never sends its half of the handshake: one
    /// timeout, no CPU spent waiting, and `NO temporarily unavailable`.
    @Test func aServerThatGrantsStartTLSAndThenFallsSilentCostsOneTimeout() async throws {
        try await Sandbox.with { sandbox in
            let silent = try StartTLSThenSilence()
            let yaml = """
                backends:
                  directory:
                    type: ldap
                    servers: [ "\(silent.url)" ]
                    start_tls: true
                    search_base: "\(LDAPFixture.example)"
                    timeout: 1s
                    search_timeout: 1s
                """
            try await Setup.withDaemon(sandbox, yaml) { daemon in
                let started = ContinuousClock.now
                let cpuBefore = Self.cpuTicks(of: daemon.pid)
                let reply = try await Setup.ask(daemon, "alice", "alice-pw")
                #expect(reply == .answer("NO temporarily unavailable"), "\(reply)")
                // Generous: a hang would be caught anyway; this only rules out many timeouts.
                #expect(ContinuousClock.now - started < .seconds(20))
                let spent = Self.cpuTicks(of: daemon.pid) - cpuBefore
                #expect(spent < 40, "authmuxd used \(spent) clock ticks of CPU while waiting")
                try await daemon.waitForLog(containing: "StartTLS: Timed out (no TLS set-up)")
                withExtendedLifetime(silent) {}
            }
        }
    }

    /// User plus system CPU time of a process so far, in clock ticks (usually 1/100 s).
    static func cpuTicks(of pid: pid_t) -> Int {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state is field 3, utime field 14, stime field 15.
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return 0 }
        return user + system
    }

    /// slapd stopped: an immediate `NO temporarily unavailable` (never "authentication failed",
    /// never a hang); slapd back on the same port: OK again without touching authmuxd.
    @Test(arguments: [SIGTERM, SIGKILL])
    func slapdStoppedAnswersUnavailableFastAndRecoversWhenItIsBack(signal: Int32) async throws {
        try await Sandbox.with { sandbox in
            try await SlapdServer.with(sandbox, ldif: [LDAPFixture.example: Setup.exampleLDIF]) { slapd in
                try await Setup.withDaemon(sandbox, backend(servers: [slapd.url], timeout: "2s")) { daemon in
                    // Several checks, so several pooled connections are open when slapd goes.
                    for _ in 0..<3 { try await Setup.expect(daemon, "alice", "alice-pw", ok: true) }
                    await slapd.stop(signal: signal)
                    for _ in 0..<2 {
                        let started = ContinuousClock.now
                        let reply = try await Setup.ask(daemon, "alice", "alice-pw")
                        #expect(reply == .answer("NO temporarily unavailable"), "\(reply)")
                        #expect(ContinuousClock.now - started < .seconds(5))
                    }
                    try await daemon.waitForLog(containing: "directory: unavailable (search:")
                    try await slapd.launch()
                    try await Setup.expect(daemon, "alice", "alice-pw", ok: true)
                    try await Setup.expect(daemon, "alice", "wrong", ok: false)
                }
            }
        }
    }
}
