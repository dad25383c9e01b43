import Foundation
import SocketTestSupport
import Testing

/// The ldap backend's `dn_cache` against a real slapd that logs every operation: what a check
/// cost is counted in slapd's own log (its searches and binds), never timed. A remembered DN
/// makes a check one bind; a failed bind searches once more, so an entry moved with
/// ldapmodrdn or deleted, and a password changed with ldapmodify, count at once; ambiguous
/// filters stay refused; group membership is asked every time.
@Suite("LDAP DN cache (real slapd, counted in its log)", .timeLimit(.minutes(3)))
struct LDAPDNCacheTests {
    typealias Setup = LDAPTestSetup
    static let suffix = LDAPFixture.example

    func yaml(_ slapd: SlapdServer, extra: String = "") -> String {
        """
        backends:
          directory:
            type: ldap
            servers: [ "\(slapd.url)" ]
            search_base: "\(Self.suffix)"
            filter: "\(Setup.bindFilter)"
            dn_cache: { ttl: 10m, max_entries: 1000 }
        \(extra)
        """
    }

    func searches(_ slapd: SlapdServer, _ uid: String) -> Int {
        slapd.count("SRCH base=", "(uid=\(uid))")
    }

    func binds(_ slapd: SlapdServer, _ dn: String) -> Int {
        slapd.count("BIND dn=\"\(dn)\" method=")
    }

    @Test func aRememberedDNIsOneBindAndEveryChangeInTheDirectoryCountsAtOnce() async throws {
        try await Sandbox.with { sandbox in
            try await SlapdServer.with(sandbox, ldif: [Self.suffix: Setup.exampleLDIF], logOperations: true) { slapd in
                try await Setup.withDaemon(sandbox, yaml(slapd)) { daemon in
                    let aliceDN = "uid=alice,ou=people,\(Self.suffix)"
                    // A miss: search, then bind.
                    try await Setup.expect(daemon, "alice", "alice-pw", ok: true)
                    #expect(searches(slapd, "alice") == 1 && binds(slapd, aliceDN) == 1, "\(slapd.log.suffix(2000))")
                    // Hits: one bind each, no search.
                    for _ in 0..<3 { try await Setup.expect(daemon, "alice", "alice-pw", ok: true) }
                    #expect(searches(slapd, "alice") == 1, "remembered: no search")
                    #expect(binds(slapd, aliceDN) == 4, "every check still binds")

                    // A wrong password: the bind fails, the search finds the same entry, no second bind.
                    try await Setup.expect(daemon, "alice", "wrong", ok: false)
                    #expect(searches(slapd, "alice") == 2)
                    #expect(binds(slapd, aliceDN) == 5)

                    // The password changed in the directory: the next check binds with it.
                    try await slapd.modify("dn: \(aliceDN)\nchangetype: modify\nreplace: userPassword\nuserPassword: alice-new\n", suffix: Self.suffix)
                    try await Setup.expect(daemon, "alice", "alice-new", ok: true)
                    try await Setup.expect(daemon, "alice", "alice-new", ok: true)
                    try await Setup.expect(daemon, "alice", "alice-pw", ok: false)
                    let afterChange = searches(slapd, "alice")

                    // Moved to another branch with ldapmodrdn: the remembered DN's bind fails, one
                    // search finds the new DN, the bind there answers, and that DN is remembered.
                    try await Setup.expect(daemon, "alice", "alice-new", ok: true)
                    try await slapd.administer("ldapmodrdn", ["-s", "ou=staff,\(Self.suffix)", aliceDN, "uid=alice"], suffix: Self.suffix)
                    let movedDN = "uid=alice,ou=staff,\(Self.suffix)"
                    try await Setup.expect(daemon, "alice", "alice-new", ok: true)
                    #expect(searches(slapd, "alice") == afterChange + 2, "the failed bind searched once more")
                    #expect(binds(slapd, movedDN) == 1)
                    try await Setup.expect(daemon, "alice", "alice-new", ok: true)
                    #expect(searches(slapd, "alice") == afterChange + 2, "the new DN is remembered")
                    #expect(binds(slapd, movedDN) == 2)

                    // Deleted: the bind fails, the search finds nothing: an unknown user, at once.
                    let bobDN = "uid=bob,ou=people,\(Self.suffix)"
                    try await Setup.expect(daemon, "bob", "bob-pw", ok: true)
                    try await Setup.expect(daemon, "bob", "bob-pw", ok: true)
                    #expect(searches(slapd, "bob") == 1)
                    try await slapd.administer("ldapdelete", [bobDN], suffix: Self.suffix)
                    try await Setup.expect(daemon, "bob", "bob-pw", ok: false)
                    try await daemon.waitForLog(containing: "directory: unknown user")
                    #expect(searches(slapd, "bob") == 2)

                    // Ambiguous: never remembered, refused every time.
                    for round in 1...2 {
                        try await Setup.expect(daemon, "twin", "twin-pw", ok: false)
                        #expect(searches(slapd, "twin") == round)
                    }
                    try await daemon.waitForLog(containing: "ambiguous")
                }
            }
        }
    }

    @Test func aRemovedGroupMembershipCountsAtOnce() async throws {
        try await Sandbox.with { sandbox in
            try await SlapdServer.with(sandbox, ldif: [Self.suffix: Setup.exampleLDIF], logOperations: true) { slapd in
                let group = "cn=mail-member,ou=groups,\(Self.suffix)"
                let extra = """
                        group_dn: "\(group)"
                        group_attribute: member
                    """
                try await Setup.withDaemon(sandbox, yaml(slapd, extra: extra)) { daemon in
                    try await Setup.expect(daemon, "alice", "alice-pw", ok: true)
                    try await Setup.expect(daemon, "alice", "alice-pw", ok: true)
                    #expect(searches(slapd, "alice") == 1, "the DN is remembered with a group too")
                    try await slapd.modify(
                        "dn: \(group)\nchangetype: modify\nadd: member\nmember: uid=bob,ou=people,\(Self.suffix)\n-\ndelete: member\nmember: uid=alice,ou=people,\(Self.suffix)\n",
                        suffix: Self.suffix)
                    try await Setup.expect(daemon, "alice", "alice-pw", ok: false)
                    try await daemon.waitForLog(containing: "not a member of")
                    try await Setup.expect(daemon, "bob", "bob-pw", ok: true)
                }
            }
        }
    }

    @Test func dnCacheNeedsASearch() async throws {
        try await Sandbox.with { sandbox in
            let yaml = """
                listen: [ { protocol: saslauthd, path: \(sandbox.socketPath) } ]
                backends:
                  directory:
                    type: ldap
                    servers: [ "ldap://127.0.0.1:1/" ]
                    auth_method: fastbind
                    filter: "uid=%u,ou=people,\(Self.suffix)"
                    dn_cache: { ttl: 1m }
                """
            let path = try sandbox.write(yaml, to: "authmux.yaml")
            let result = try await ProcessRunner.run(try IntegrationEnvironment.authmuxd(), ["check-config", "--config", path])
            #expect(result.termination == .exited(2), "\(result)")
            #expect(result.output.contains("dn_cache needs auth_method: bind"), "\(result)")
        }
    }
}
