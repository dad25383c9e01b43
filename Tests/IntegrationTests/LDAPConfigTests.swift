import Foundation
import Testing

/// Mistakes in an ldap backend stop `check-config` (and the start) with exit status 2 and a
/// message that points at the line — in the YAML, or in an imported saslauthd.conf.
@Suite("LDAP configuration errors", .timeLimit(.minutes(2)))
struct LDAPConfigTests {
    func checkConfig(_ sandbox: Sandbox, backend lines: [String]) async throws -> ProcessResult {
        let config = (["listen: [ { protocol: saslauthd, path: \(sandbox.socketPath) } ]", "backends:", "  directory:", "    type: ldap"] + lines)
            .joined(separator: "\n") + "\n"
        let path = try sandbox.write(config, to: "authmux.yaml")
        return try await ProcessRunner.run(try IntegrationEnvironment.authmuxd(), ["check-config", "--config", path])
    }

    @Test func badValuesNameTheirLine() async throws {
        try await Sandbox.with { sandbox in
            let servers = "    servers: [ \"ldap://127.0.0.1:389/\" ]"
            let base = "    search_base: \"dc=example,dc=com\""
            let cases: [(lines: [String], mention: String)] = [
                ([servers, base, "    filter: \"(uid=%x)\""], "authmux.yaml:7:13: backends.directory.filter: unknown token %x"),
                ([servers, base, "    filter: \"(uid=%u)%\""], "authmux.yaml:7:13: backends.directory.filter: a lone %"),
                ([servers, base, "    auth_method: custom"], "authmux.yaml:7:18: backends.directory.auth_method: expected one of: bind, fastbind"),
                (["    servers: [ \"http://127.0.0.1/\" ]", base], "backends.directory.servers: server 1 \"http://127.0.0.1/\" is not an ldap://"),
                ([base], "servers: at least one"),
                ([servers], "search_base is required with auth_method: bind"),
                ([servers, base, "    bind_dn: \"cn=admin,dc=example,dc=com\""], "bind_dn needs a non-empty bind_password"),
                ([servers, base, "    group_attibute: member"], "backends.directory.group_attibute: unknown key"),
                ([servers, base, "    tls_ca_file: relative.pem"], "backends.directory.tls_ca_file: must be an absolute path"),
                // fastbind makes no search that could read the entry's uid, and the login is not it.
                ([servers, "    auth_method: fastbind", "    filter: \"cn=%u,dc=example,dc=com\"", "    group_dn: \"cn=mail,dc=example,dc=com\"",
                  "    group_attribute: memberUid"], "authmux.yaml:9:22: backends.directory.group_attribute: memberUid needs auth_method: bind"),
            ]
            for (lines, mention) in cases {
                let result = try await checkConfig(sandbox, backend: lines)
                #expect(result.termination == .exited(2), "\(lines): \(result)")
                #expect(result.output.contains(mention), "\(lines) should say \(mention): \(result)")
            }
        }
    }

    /// A simple bind sends the password as it is: over ldap:// without StartTLS anyone on the
    /// path reads it. Said by check-config and at start, naming the backend and the URI; not for
    /// ldapi://, loopback addresses or libldap's default host (localhost), which never leave the
    /// host, nor with start_tls.
    @Test func aPlainLdapServerWithoutStartTLSIsWarnedAbout() async throws {
        try await Sandbox.with { sandbox in
            let remote = ["ldap://ldap.example.com/", "LDAP://192.0.2.7:3389/", "ldap://[2001:db8::1]:389/"]
            let local = ["ldap://127.0.0.1:389/", "ldap://127.8.9.10/", "ldap://localhost/", "ldap://[::1]:389/", "ldap:///", "ldapi:///",
                         "ldaps://ldap.example.com/"]
            let servers = "    servers: [ \((remote + local).map { "\"\($0)\"" }.joined(separator: ", ")) ]"
            let base = "    search_base: \"dc=example,dc=com\""
            let result = try await checkConfig(sandbox, backend: [servers, base])
            #expect(result.termination == .exited(0), "\(result)")
            for uri in remote {
                #expect(result.stdout.contains("warning: \(uri) without start_tls: passwords cross the network in clear text"), "\(uri): \(result)")
            }
            let warnings = result.stdout.split(separator: "\n").filter { $0.contains("clear text") }
            #expect(warnings.count == remote.count, "\(warnings)")

            let tls = try await checkConfig(sandbox, backend: [servers, base, "    start_tls: true"])
            #expect(tls.termination == .exited(0) && !tls.stdout.contains("clear text"), "\(tls)")

            // At start, in the log, with the backend's name.
            let path = try sandbox.write("""
                listen: [ { protocol: saslauthd, path: \(sandbox.socketPath) } ]
                backends:
                  directory: { type: ldap, servers: [ "ldap://192.0.2.7/" ], search_base: "dc=example,dc=com" }
                """, to: "authmux.yaml")
            try await TestDaemon.with(configPath: path, socketPath: sandbox.socketPath) { daemon in
                try await daemon.waitForLog(containing: "backend=directory problem=\"ldap://192.0.2.7/ without start_tls: passwords cross the network in clear text")
            }
        }
    }

    @Test func aSaslauthdConfValueAuthmuxCannotHonourNamesTheFileAndLine() async throws {
        try await Sandbox.with { sandbox in
            let conf = try sandbox.write("ldap_servers: ldap://127.0.0.1/\n# comment\nldap_auth_method: custom\n", to: "saslauthd.conf")
            let result = try await checkConfig(sandbox, backend: ["    saslauthd_conf: \(conf)"])
            #expect(result.termination == .exited(2), "\(result)")
            #expect(result.output.contains("\(conf):3:1: backends.directory.saslauthd_conf: ldap_auth_method: custom is not supported"), "\(result)")
            let missing = try await checkConfig(sandbox, backend: ["    saslauthd_conf: \(sandbox.file("nothing.conf"))"])
            #expect(missing.termination == .exited(2) && missing.output.contains("cannot read"), "\(missing)")
        }
    }
}
