import Foundation
import SocketTestSupport
import Testing

/// The ldap backend against a real slapd started by the test: both auth methods, escaping,
/// live password changes, group checks, per-realm directories and saslauthd.conf import.
@Suite("LDAP backend (real slapd)", .timeLimit(.minutes(3)))
struct LDAPBackendTests {
    typealias Setup = LDAPTestSetup

    func bindBackend(_ slapd: SlapdServer, extra: String = "") -> String {
        """
        backends:
          directory:
            type: ldap
            servers: [ "\(slapd.url)" ]
            search_base: "\(LDAPFixture.example)"
            filter: "\(Setup.bindFilter)"
            timeout: 3s
            search_timeout: 3s
        \(extra)
        """
    }

    @Test func bindAcceptsRejectsAndTellsUnknownAndAmbiguousApart() async throws {
        try await Sandbox.with { sandbox in
            try await SlapdServer.with(sandbox, ldif: [LDAPFixture.example: Setup.exampleLDIF]) { slapd in
                try await Setup.withDaemon(sandbox, bindBackend(slapd)) { daemon in
                    let real = try await SaslClients.testsaslauthd(user: "alice", password: "alice-pw", socketPath: daemon.socketPath)
                    #expect(real.termination == .exited(0), "\(real)")
                    try await Setup.expect(daemon, "alice", "alice-pw", ok: true)
                    try await Setup.expect(daemon, "alice@example.com", "alice-pw", ok: true)
                    try await Setup.expect(daemon, "alice", "alice-PW", ok: false)
                    try await daemon.waitForLog(containing: "directory: rejected (bind: Invalid credentials)")
                    try await Setup.expect(daemon, "nobody", "alice-pw", ok: false)
                    try await daemon.waitForLog(containing: "directory: unknown user")
                    try await Setup.expect(daemon, "twin", "twin-pw", ok: false)
                    try await daemon.waitForLog(containing: "ambiguous")
                    #expect(!daemon.log.contains("alice-pw") && !daemon.log.contains("twin-pw"), "a password reached the log")
                }
            }
        }
    }

    @Test func fastbindBindsAsTheExpandedDN() async throws {
        try await Sandbox.with { sandbox in
            try await SlapdServer.with(sandbox, ldif: [LDAPFixture.example: Setup.exampleLDIF]) { slapd in
                let yaml = """
                    backends:
                      directory:
                        type: ldap
                        servers: [ "\(slapd.url)" ]
                        auth_method: fastbind
                        filter: "uid=%u,ou=people,\(LDAPFixture.example)"
                    """
                try await Setup.withDaemon(sandbox, yaml) { daemon in
                    try await Setup.expect(daemon, "alice", "alice-pw", ok: true)
                    try await Setup.expect(daemon, "alice", "wrong", ok: false)
                    try await Setup.expect(daemon, "nobody", "alice-pw", ok: false)
                    try await Setup.expect(daemon, "x*y(z)", "odd-pw", ok: true)
                    // A login that tries to leave its RDN stays inside it: uid=alice\,ou=people… names nobody.
                    try await Setup.expect(daemon, "alice,ou=people,\(LDAPFixture.example)", "alice-pw", ok: false)
                    try await Setup.expect(daemon, "bob+uid=alice", "alice-pw", ok: false)
                    try await daemon.waitForLog(containing: "wrong password or no such DN")
                }
            }
        }
    }

    /// Without escaping, `al*` and `*)(uid=alice` would each match alice's entry alone and her
    /// password would let them in under another name; escaped, they match nothing.
    @Test func injectedLoginsMatchNothingButThemselves() async throws {
        try await Sandbox.with { sandbox in
            try await SlapdServer.with(sandbox, ldif: [LDAPFixture.example: Setup.exampleLDIF]) { slapd in
                try await Setup.withDaemon(sandbox, bindBackend(slapd)) { daemon in
                    for login in ["al*", "*)(uid=alice", "*)(uid=*", "admin)(|(uid=*", "*", "alice)(uid=alice", "al\\2a"] {
                        try await Setup.expect(daemon, login, "alice-pw", ok: false)
                    }
                    try await Setup.expect(daemon, "x*y(z)", "odd-pw", ok: true)
                    try await Setup.expect(daemon, "x*y(z)", "alice-pw", ok: false)
                    try await daemon.waitForLog(containing: "directory: unknown user")
                    #expect(!daemon.log.contains("ambiguous"), "an injected filter matched several entries\n\(daemon.logTail)")
                }
                let config = try sandbox.write(
                    "listen: [ { protocol: saslauthd, path: \(sandbox.socketPath) } ]\n" + bindBackend(slapd), to: "explain.yaml")
                let explained = try await ProcessRunner.run(try IntegrationEnvironment.authmuxd(), ["explain", "--config", config, "*)(uid=*"])
                #expect(explained.stdout.contains("(uid=\\2a\\29\\28uid=\\2a)"), "\(explained)")
            }
        }
    }

    /// Two threads, so two pooled connections of each kind serve 16 clients mixing users and
    /// right and wrong passwords: no answer may follow another check's bind.
    @Test func pooledConnectionsUnderConcurrentLoadAnswerEveryCheckForItself() async throws {
        try await Sandbox.with { sandbox in
            try await SlapdServer.with(sandbox, ldif: [LDAPFixture.example: Setup.exampleLDIF]) { slapd in
                try await Setup.withDaemon(sandbox, bindBackend(slapd, extra: "    threads: 2")) { daemon in
                    let cases: [(login: String, password: String, ok: Bool)] = [
                        ("alice", "alice-pw", true), ("bob", "bob-pw", true), ("alice", "bob-pw", false),
                        ("bob", "alice-pw", false), ("nobody", "alice-pw", false), ("x*y(z)", "odd-pw", true),
                    ]
                    let socketPath = daemon.socketPath
                    let wrong = try await withThrowingTaskGroup(of: Int.self) { group in
                        for client in 0..<16 {
                            group.addTask {
                                var wrong = 0
                                for round in 0..<12 {
                                    let check = cases[(client + round) % cases.count]
                                    let reply = try await RawSaslauthdClient.exchange(
                                        socketPath: socketPath, fields: [check.login, check.password, "imap", ""])
                                    if reply.isOK != check.ok || (!reply.isOK && !reply.isNO) { wrong += 1 }
                                }
                                return wrong
                            }
                        }
                        return try await group.reduce(0, +)
                    }
                    #expect(wrong == 0, "\(wrong) of 192 answers were wrong")
                }
            }
        }
    }

    /// saslauthd kept a connection bound as the user and could accept an old password after a
    /// change; here the very next check after ldapmodify sees the new password.
    @Test func aPasswordChangedWithLdapmodifyCountsOnTheNextCheck() async throws {
        try await Sandbox.with { sandbox in
            try await SlapdServer.with(sandbox, ldif: [LDAPFixture.example: Setup.exampleLDIF]) { slapd in
                try await Setup.withDaemon(sandbox, bindBackend(slapd)) { daemon in
                    try await Setup.expect(daemon, "alice", "alice-pw", ok: true)
                    try await slapd.modify("""
                        dn: uid=alice,ou=people,\(LDAPFixture.example)
                        changetype: modify
                        replace: userPassword
                        userPassword: changed-pw

                        """, suffix: LDAPFixture.example)
                    try await Setup.expect(daemon, "alice", "alice-pw", ok: false)
                    try await Setup.expect(daemon, "alice", "changed-pw", ok: true)
                    try await Setup.expect(daemon, "alice", "alice-pw", ok: false)
                }
            }
        }
    }

    @Test func groupMembershipByUniqueMemberMemberAndMemberUid() async throws {
        try await Sandbox.with { sandbox in
            try await SlapdServer.with(sandbox, ldif: [LDAPFixture.example: Setup.exampleLDIF]) { slapd in
                func backend(_ group: String, _ attribute: String?) -> String {
                    """
                      \(group):
                        type: ldap
                        servers: [ "\(slapd.url)" ]
                        search_base: "\(LDAPFixture.example)"
                        filter: "(uid=%u)"
                        group_dn: "cn=\(group),ou=groups,\(LDAPFixture.example)"
                    \(attribute.map { "    group_attribute: \($0)" } ?? "")
                    """
                }
                let yaml = """
                    backends:
                    \(backend("mail-unique", nil))
                    \(backend("mail-member", "member"))
                    \(backend("mail-posix", "memberUid"))
                    routes:
                      - match: { service: unique }
                        use: [ mail-unique ]
                      - match: { service: member }
                        use: [ mail-member ]
                      - use: [ mail-posix ]
                    """
                try await Setup.withDaemon(sandbox, yaml) { daemon in
                    for service in ["unique", "member", "posix"] {
                        try await Setup.expect(daemon, "alice", "alice-pw", service: service, ok: true)
                        try await Setup.expect(daemon, "bob", "bob-pw", service: service, ok: false)
                        try await Setup.expect(daemon, "alice", "bob-pw", service: service, ok: false)
                    }
                    try await daemon.waitForLog(containing: "not a member of cn=mail-posix,ou=groups,\(LDAPFixture.example) (memberUid)")
                    try await daemon.waitForLog(containing: "not a member of cn=mail-unique")
                    try await daemon.waitForLog(containing: "not a member of cn=mail-member")
                }
            }
        }
    }

    /// A `memberUid` group lists uids, so membership is decided by the uid of the entry the
    /// search found, never by the login: with a filter on `mail`, the login is not the uid. Here
    /// mallory's entry answers to `alice@other.org`: her login's user part is `alice`, a member,
    /// yet her entry's uid is not. carol logs in as `c.smith`, not a member's uid, yet her entry's
    /// uid is listed.
    @Test func memberUidIsDecidedByTheFoundEntrysUidNotTheLogin() async throws {
        func person(_ rdn: String, uids: [String], mail: String, password: String) -> String {
            "dn: \(rdn),ou=people,\(LDAPFixture.example)\nobjectClass: inetOrgPerson\n"
                + uids.map { "uid: \($0)\n" }.joined()
                + "cn: \(mail)\nsn: test\nmail: \(mail)\nuserPassword: \(password)\n\n"
        }
        let ldif = LDAPFixture.directory(LDAPFixture.example, people: [], extra: [
            person("uid=alice", uids: ["alice"], mail: "alice@example.com", password: "alice-pw"),
            person("uid=carol", uids: ["carol"], mail: "c.smith@example.com", password: "carol-pw"),
            person("uid=mallory", uids: ["mallory"], mail: "alice@other.org", password: "mallory-pw"),
            person("cn=nouid", uids: [], mail: "nouid@example.com", password: "nouid-pw"),
            person("uid=dual", uids: ["dual", "alice"], mail: "dual@example.com", password: "dual-pw"),
            """
            dn: cn=mail-posix,ou=groups,\(LDAPFixture.example)
            objectClass: posixGroup
            cn: mail-posix
            gidNumber: 5000
            memberUid: alice
            memberUid: carol


            """,
        ].joined())
        try await Sandbox.with { sandbox in
            try await SlapdServer.with(sandbox, ldif: [LDAPFixture.example: ldif]) { slapd in
                let yaml = """
                    backends:
                      directory:
                        type: ldap
                        servers: [ "\(slapd.url)" ]
                        search_base: "ou=people,\(LDAPFixture.example)"
                        filter: "(mail=%u@%r)"
                        group_dn: "cn=mail-posix,ou=groups,\(LDAPFixture.example)"
                        group_attribute: memberUid
                    """
                try await Setup.withDaemon(sandbox, yaml) { daemon in
                    try await Setup.expect(daemon, "alice", "alice-pw", ok: true)
                    try await Setup.expect(daemon, "alice@example.com", "alice-pw", ok: true)
                    try await Setup.expect(daemon, "alice", "wrong-pw", ok: false)
                    try await Setup.expect(daemon, "c.smith", "carol-pw", ok: true)
                    try await Setup.expect(daemon, "alice@other.org", "mallory-pw", ok: false)
                    try await daemon.waitForLog(containing: "not a member of cn=mail-posix,ou=groups,\(LDAPFixture.example) (memberUid)")
                    try await Setup.expect(daemon, "nouid", "nouid-pw", ok: false)
                    try await daemon.waitForLog(containing: "has no uid")
                    try await Setup.expect(daemon, "dual", "dual-pw", ok: false)
                    try await daemon.waitForLog(containing: "has 2 uid values")
                }
            }
        }
    }

    /// One daemon, two directories (two suffixes here; two servers work the same way), routed
    /// by realm: the "realm specific configuration" saslauthd never had.
    @Test func twoRealmsRoutedToTwoDirectories() async throws {
        try await Sandbox.with { sandbox in
            let other = LDAPFixture.directory(LDAPFixture.other, people: [("alice", "other-pw"), ("carol", "carol-pw")])
            try await SlapdServer.with(sandbox, ldif: [LDAPFixture.example: Setup.exampleLDIF, LDAPFixture.other: other]) { slapd in
                let yaml = """
                    backends:
                      example:
                        type: ldap
                        servers: [ "\(slapd.url)" ]
                        search_base: "ou=people,dc=%2,dc=%1"
                        filter: "(uid=%u)"
                      other:
                        type: ldap
                        servers: [ "\(slapd.url)" ]
                        auth_method: fastbind
                        filter: "uid=%u,ou=people,\(LDAPFixture.other)"
                    routes:
                      - match: { realm: example.com }
                        use: [ example ]
                      - match: { realm: other.org }
                        use: [ other ]
                    """
                try await Setup.withDaemon(sandbox, yaml) { daemon in
                    try await Setup.expect(daemon, "alice@example.com", "alice-pw", ok: true)
                    try await Setup.expect(daemon, "alice", "alice-pw", realm: "example.com", ok: true)
                    try await Setup.expect(daemon, "alice@other.org", "other-pw", ok: true)
                    try await Setup.expect(daemon, "alice@other.org", "alice-pw", ok: false)
                    try await Setup.expect(daemon, "alice@example.com", "other-pw", ok: false)
                    try await Setup.expect(daemon, "carol@other.org", "carol-pw", ok: true)
                    try await Setup.expect(daemon, "carol@example.com", "carol-pw", ok: false)
                    try await daemon.waitForLog(containing: "backend=other")
                }
            }
        }
    }

    @Test func aSaslauthdConfIsImportedAndTheYAMLOverridesIt() async throws {
        try await Sandbox.with { sandbox in
            try await SlapdServer.with(sandbox, ldif: [LDAPFixture.example: Setup.exampleLDIF]) { slapd in
                let conf = try sandbox.write("""
                    # as /etc/saslauthd.conf has it
                    ldap_servers: ldap://127.0.0.1:1/ \(slapd.url)
                    ldap_search_base: ou=people,\(LDAPFixture.example)
                    ldap_filter: (uid=%U)
                    ldap_bind_dn: \(slapd.adminDN(LDAPFixture.example))
                    ldap_password: \(SlapdServer.adminPassword)
                    LDAP_TIMEOUT: 3
                    ldap_time_limit: 3
                    ldap_deref: never
                    ldap_referrals: yes
                    ldap_group_dn: cn=mail-unique,ou=groups,\(LDAPFixture.example)
                    """, to: "saslauthd.conf")
                // The YAML replaces the server list, keeps everything else from the file.
                let yaml = """
                    backends:
                      directory: { type: ldap, saslauthd_conf: \(conf), servers: [ "\(slapd.url)" ] }
                    """
                try await Setup.withDaemon(sandbox, yaml) { daemon in
                    try await Setup.expect(daemon, "alice", "alice-pw", ok: true)
                    // The group comes from the file: bob's password is right, his membership is not.
                    try await Setup.expect(daemon, "bob", "bob-pw", ok: false)
                    try await daemon.waitForLog(containing: "ldap_deref, ldap_referrals")
                    #expect(!daemon.log.contains("127.0.0.1:1/"), "the file's server list was used\n\(daemon.logTail)")
                    #expect(!daemon.log.contains(SlapdServer.adminPassword), "the bind password reached the log")
                }
                let checked = try await ProcessRunner.run(
                    try IntegrationEnvironment.authmuxd(), ["check-config", "--config", sandbox.file("authmux.yaml")])
                #expect(checked.termination == .exited(0), "\(checked)")
                #expect(checked.output.contains("imported from \(conf)") && checked.output.contains("ldap_deref"), "\(checked)")
                #expect(!checked.output.contains(SlapdServer.adminPassword), "\(checked)")
            }
        }
    }

    @Test func searchingAsBindDNAndAWrongBindPasswordIsUnavailable() async throws {
        try await Sandbox.with { sandbox in
            try await SlapdServer.with(sandbox, ldif: [LDAPFixture.example: Setup.exampleLDIF]) { slapd in
                func backend(_ name: String, _ password: String) -> String {
                    """
                      \(name):
                        type: ldap
                        servers: [ "\(slapd.url)" ]
                        search_base: "\(LDAPFixture.example)"
                        bind_dn: "\(slapd.adminDN(LDAPFixture.example))"
                        bind_password: "\(password)"
                    """
                }
                let yaml = """
                    backends:
                    \(backend("good", SlapdServer.adminPassword))
                    \(backend("misconfigured", "not-the-admin-pw"))
                    routes:
                      - match: { service: bad }
                        use: [ misconfigured ]
                      - use: [ good ]
                    """
                try await Setup.withDaemon(sandbox, yaml) { daemon in
                    try await Setup.expect(daemon, "alice", "alice-pw", ok: true)
                    let reply = try await Setup.ask(daemon, "alice", "alice-pw", service: "bad")
                    #expect(reply == .answer("NO temporarily unavailable"), "\(reply)")
                    try await daemon.waitForLog(containing: "refused: Invalid credentials")
                    #expect(!daemon.log.contains("not-the-admin-pw"))
                }
            }
        }
    }
}
