import Foundation
import Glibc
import Testing

/// What saslauthd -a ldap hangs on: a dead first server, a server that accepts and never
/// answers, and a directory that goes away and comes back. No clock is read: the daemon logs
/// every attempt it gives up on ("LDAP server failed; trying the next one", with the server and
/// the reason), so the log says how many timeouts a check waited for, and the answers say the
/// rest.
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

    /// The warnings logged so far for attempts on `server` that were given up.
    static func givenUp(on server: String, in daemon: TestDaemon) -> [Substring] {
        daemon.log.split(separator: "\n").filter { line in
            // Metadata keys are sorted: `server=` ends the line, or a key follows it.
            line.contains("LDAP server failed") && (line.hasSuffix(" server=\(server)") || line.contains(" server=\(server) "))
        }
    }

    @Test func aClosedPortFirstFailsOverToTheSecondServer() async throws {
        try await Sandbox.with { sandbox in
            try await SlapdServer.with(sandbox, ldif: [LDAPFixture.example: Setup.exampleLDIF]) { slapd in
                let closed = "ldap://127.0.0.1:\(try LocalTCP.freePort())/"
                let metricsPort = try LocalTCP.freePort()
                let yaml = backend(servers: [closed, slapd.url]) + "\nmetrics: { listen: 127.0.0.1:\(metricsPort) }"
                try await Setup.withDaemon(sandbox, yaml) { daemon in
                    try await Setup.expect(daemon, "alice", "alice-pw", ok: true)
                    try await daemon.waitForLog(containing: "server=\(closed)")
                    try await Setup.expect(daemon, "alice", "wrong", ok: false)
                    // One refused connection in all: the dead server is tried last from then on.
                    let failures = Self.givenUp(on: closed, in: daemon)
                    #expect(failures.count == 1, "\(daemon.logTail)")
                    #expect(failures.allSatisfy { $0.contains("Can't contact LDAP server") }, "\(failures)")
                    // The metrics say the same: the dead server is down, slapd up.
                    let metrics = Exposition(try await HTTPGet.fetch(.tcp(port: metricsPort)).body)
                    #expect(metrics.value("authmux_ldap_server_up", ["backend": "directory", "server": closed]) == 0, "\(metrics.text)")
                    #expect(metrics.value("authmux_ldap_server_up", ["backend": "directory", "server": slapd.url]) == 1)
                    #expect(metrics.value("authmux_checks_total", ["door": "saslauthd", "backend": "directory", "result": "ok"]) == 1)
                    #expect(metrics.value("authmux_checks_total", ["door": "saslauthd", "backend": "directory", "result": "rejected"]) == 1)
                }
            }
        }
    }

    @Test func aListenerThatNeverAnswersCostsOneTimeoutThenTheSecondServerAnswers() async throws {
        try await Sandbox.with { sandbox in
            let stalled = try StalledListener()
            try await SlapdServer.with(sandbox, ldif: [LDAPFixture.example: Setup.exampleLDIF]) { slapd in
                try await Setup.withDaemon(sandbox, backend(servers: [stalled.url, slapd.url])) { daemon in
                    // One 1 s timeout, then slapd answers.
                    try await Setup.expect(daemon, "alice", "alice-pw", ok: true)
                    try await daemon.waitForLog(containing: "server=\(stalled.url)")
                    let first = Self.givenUp(on: stalled.url, in: daemon)
                    #expect(first.count == 1 && first.allSatisfy { $0.contains("Timed out") }, "\(first)")
                    // The stalled server is now tried last: later checks do not wait for it.
                    for _ in 0..<3 { try await Setup.expect(daemon, "alice", "alice-pw", ok: true) }
                    try await Setup.expect(daemon, "bob", "alice-pw", ok: false)
                    #expect(Self.givenUp(on: stalled.url, in: daemon).count == 1, "\(daemon.logTail)")
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
                    let cpuBefore = Self.cpuTicks(of: daemon.pid)
                    try await Setup.expect(daemon, "alice", "alice-pw", ok: true)
                    // Waiting for the handshake must not spin: libldap alone busy-loops there.
                    let spent = Self.cpuTicks(of: daemon.pid) - cpuBefore
                    #expect(spent < 40, "authmuxd used \(spent) clock ticks of CPU during a 1 s stall")
                    try await daemon.waitForLog(containing: "server=\(stalledTLS)")
                    #expect(Self.givenUp(on: stalledTLS, in: daemon).count == 1, "\(daemon.logTail)")
                    let reply = try await Setup.ask(daemon, "alice", "alice-pw", service: "starttls")
                    #expect(reply == .answer("NO temporarily unavailable"), "\(reply)")
                    try await daemon.waitForLog(containing: "starttls: unavailable")
                    let startTLS = Self.givenUp(on: stalled.url, in: daemon)
                    #expect(startTLS.count == 1 && startTLS.allSatisfy { $0.contains("Timed out") }, "\(startTLS)")
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
                        defer { first.send(SIGCONT) }
                        try await first.hang()
                        try await Setup.expect(daemon, "alice", "alice-pw", ok: true)
                        try await daemon.waitForLog(containing: "server=\(first.url)")
                        // One timeout on the pooled connection; none on a fresh one to the same
                        // hung server, and none for the next check.
                        try await Setup.expect(daemon, "bob", "bob-pw", ok: true)
                        let failures = Self.givenUp(on: first.url, in: daemon)
                        #expect(failures.count == 1 && failures.allSatisfy { $0.contains("Timed out") }, "\(failures)")
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
                let cpuBefore = Self.cpuTicks(of: daemon.pid)
                let reply = try await Setup.ask(daemon, "alice", "alice-pw")
                #expect(reply == .answer("NO temporarily unavailable"), "\(reply)")
                let spent = Self.cpuTicks(of: daemon.pid) - cpuBefore
                #expect(spent < 40, "authmuxd used \(spent) clock ticks of CPU while waiting")
                try await daemon.waitForLog(containing: "StartTLS: Timed out (no TLS set-up)")
                #expect(Self.givenUp(on: silent.url, in: daemon).count == 1, "\(daemon.logTail)")
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

    /// slapd stopped: `NO temporarily unavailable` without waiting for any timeout (never
    /// "authentication failed", never a hang); slapd back on the same port: OK again without
    /// touching authmuxd.
    @Test(arguments: [SIGTERM, SIGKILL])
    func slapdStoppedAnswersUnavailableFastAndRecoversWhenItIsBack(signal: Int32) async throws {
        try await Sandbox.with { sandbox in
            try await SlapdServer.with(sandbox, ldif: [LDAPFixture.example: Setup.exampleLDIF]) { slapd in
                try await Setup.withDaemon(sandbox, backend(servers: [slapd.url], timeout: "2s")) { daemon in
                    // Several checks, so several pooled connections are open when slapd goes.
                    for _ in 0..<3 { try await Setup.expect(daemon, "alice", "alice-pw", ok: true) }
                    await slapd.stop(signal: signal)
                    for _ in 0..<2 {
                        let reply = try await Setup.ask(daemon, "alice", "alice-pw")
                        #expect(reply == .answer("NO temporarily unavailable"), "\(reply)")
                    }
                    try await daemon.waitForLog(containing: "directory: unavailable (search:")
                    // A closed port refuses at once: neither check waited for a timeout.
                    let failures = Self.givenUp(on: slapd.url, in: daemon)
                    #expect(!failures.isEmpty && failures.allSatisfy { $0.contains("Can't contact LDAP server") }, "\(daemon.logTail)")
                    #expect(!daemon.log.contains("Timed out"), "\(daemon.logTail)")
                    try await slapd.launch()
                    try await Setup.expect(daemon, "alice", "alice-pw", ok: true)
                    try await Setup.expect(daemon, "alice", "wrong", ok: false)
                }
            }
        }
    }
}
