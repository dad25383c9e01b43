import Foundation
import Glibc
import SocketTestSupport
import Testing

/// `authmuxd migrate` on the files saslauthd is really configured with, and `--check` against a
/// real saslauthd: every translation must pass `check-config` and serve saslauthd's socket.
@Suite("authmuxd migrate", .timeLimit(.minutes(3)))
struct MigrateCommandTests {
    /// Debian's file as sasl2-bin installed it on this machine.
    static let debianDefault = "/etc/default/saslauthd"

    static func migrate(_ arguments: [String]) async throws -> ProcessResult {
        let result = try await ProcessRunner.run(try IntegrationEnvironment.authmuxd(), ["migrate"] + arguments)
        #expect(result.termination == .exited(0), "\(result)")
        return result
    }

    /// Writes the YAML and runs `check-config` on it, which must accept it.
    static func expectValid(_ yaml: String, in sandbox: Sandbox, name: String = "migrated.yaml") async throws -> String {
        let path = try sandbox.write(yaml, to: name)
        let checked = try await ProcessRunner.run(try IntegrationEnvironment.authmuxd(), ["check-config", "--config", path])
        #expect(checked.termination == .exited(0), "check-config on the translation: \(checked)\n\(yaml)")
        return checked.stdout
    }

    /// The socket saslauthd would use for a Debian defaults file, as its init script finds it:
    /// the shell sources the file, and the -m word of OPTIONS is the directory.
    static func debianSocket(of file: String) async throws -> String {
        let result = try await ProcessRunner.run("/bin/sh", ["-c", ". \"$1\"; set -- $OPTIONS; while [ $# -gt 0 ]; do [ \"$1\" = -m ] && echo \"$2/mux\"; shift; done", "sh", file])
        let path = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(!path.isEmpty, "no -m in \(file)'s OPTIONS: \(result)")
        return path
    }

    @Test func debiansShippedDefaultPassesCheckConfigOnTheSameSocket() async throws {
        try #require(FileManager.default.fileExists(atPath: Self.debianDefault), "sasl2-bin installs \(Self.debianDefault)")
        let socket = try await Self.debianSocket(of: Self.debianDefault)
        try await Sandbox.with { sandbox in
            let result = try await Self.migrate(["--debian-default", Self.debianDefault])
            let checked = try await Self.expectValid(result.stdout, in: sandbox)
            #expect(checked.contains("saslauthd on \(socket) "), "the translation serves saslauthd's socket \(socket): \(checked)")
            #expect(result.stdout.contains("type: pam"), "MECHANISMS=\"pam\": \(result.stdout)")
        }
    }

    @Test func postfixChrootVariantServesTheSocketInsideTheChroot() async throws {
        try await Sandbox.with { sandbox in
            let shipped = try String(contentsOfFile: Self.debianDefault, encoding: .utf8)
            // The change README.Debian tells a chrooted Postfix's administrator to make.
            let chrooted = shipped.replacingOccurrences(of: "\nOPTIONS=\"-c -m /var/run/saslauthd\"", with: "\nOPTIONS=\"-c -m /var/spool/postfix/var/run/saslauthd\"")
            try #require(chrooted != shipped, "the shipped OPTIONS line changed: \(shipped)")
            let file = try sandbox.write(chrooted, to: "saslauthd-postfix")
            let smtpd = try sandbox.write("pwcheck_method: saslauthd\nsaslauthd_path: /var/run/saslauthd/mux\nmech_list: PLAIN LOGIN\n", to: "smtpd.conf")
            let socket = try await Self.debianSocket(of: file)
            #expect(socket == "/var/spool/postfix/var/run/saslauthd/mux")
            let result = try await Self.migrate(["--debian-default", file, "--consumer", smtpd, "--chroot", "/var/spool/postfix"])
            let checked = try await Self.expectValid(result.stdout, in: sandbox)
            #expect(checked.contains("saslauthd on \(socket) "), "\(checked)")
            #expect(!checked.contains("saslauthd on /var/run/saslauthd/mux"), "smtpd.conf's path is inside the chroot, not a second socket: \(checked)")
        }
    }

    @Test func redHatSysconfigPassesCheckConfig() async throws {
        try await Sandbox.with { sandbox in
            let file = try sandbox.write("# Directory in which to place saslauthd's listening socket, pid file, and so\n# on.  This directory must already exist.\nSOCKETDIR=/run/saslauthd\n\n# Mechanism to use when checking passwords.\nMECH=pam\n\n# Additional flags to pass to saslauthd on the command line.\nFLAGS=\"-c -t 900\"\n", to: "sysconfig-saslauthd")
            let result = try await Self.migrate(["--sysconfig", file])
            let checked = try await Self.expectValid(result.stdout, in: sandbox)
            #expect(checked.contains("saslauthd on /run/saslauthd/mux "), "\(checked)")
            #expect(checked.contains("ttl 15m"), "-t 900: \(checked)")
        }
    }

    @Test func ldapFromSaslauthdConfAndSasldbWithoutIt() async throws {
        try await Sandbox.with { sandbox in
            let conf = try sandbox.write("""
                ldap_servers: ldap://127.0.0.1:1/
                ldap_search_base: ou=people,dc=example,dc=com
                ldap_filter: (uid=%u)
                ldap_timeout: 2
                ldap_referrals: no
                """, to: "saslauthd.conf")
            let ldap = try await Self.migrate(["--", "-a", "ldap", "-O", conf, "-c", "-m", "/run/saslauthd"])
            let checked = try await Self.expectValid(ldap.stdout, in: sandbox, name: "ldap.yaml")
            #expect(checked.contains("saslauthd on /run/saslauthd/mux "), "\(checked)")
            #expect(ldap.stdout.contains(#"search_base: "ou=people,dc=example,dc=com""#), "\(ldap.stdout)")
            #expect(ldap.stderr.contains("ldap_referrals"), "a key without an equivalent is named: \(ldap.stderr)")

            let sasldb = try await Self.migrate(["--", "/usr/sbin/saslauthd", "-a", "sasldb", "-m", "/run/saslauthd"])
            let plain = try await Self.expectValid(sasldb.stdout, in: sandbox, name: "sasldb.yaml")
            #expect(plain.contains("type sasldb") || sasldb.stdout.contains("type: sasldb"), "\(sasldb.stdout)")
            #expect(sasldb.stdout.contains("enabled: false"), "no -c, no cache: \(sasldb.stdout)")
        }
    }

    @Test(.enabled(if: geteuid() == 0, "starts saslauthd in a mount namespace: needs root"))
    func checkAgreesWithARealSaslauthdAndFindsADifferentConfig() async throws {
        try await Sandbox.with { sandbox in
            let db = SaslDB(path: sandbox.sasldbPath)
            try await db.setPassword("migrate-pw", user: "alice", realm: "example.com")
            try await db.setPassword("other-pw", user: "bob", realm: "example.com")
            let run = try sandbox.makeDirectory("run")
            let saslauthd = try await CyrusSaslauthd.start(sasldb: sandbox.sasldbPath, runDirectory: run, sandbox: sandbox)
            let logins = try sandbox.write("""
                # user realm password service
                alice example.com migrate-pw smtp
                alice example.com wrong-pw smtp
                bob example.com other-pw imap
                nobody example.com migrate-pw smtp
                ALICE example.com migrate-pw smtp
                """, to: "logins")
            let authmuxd = try IntegrationEnvironment.authmuxd()
            let same = try await saslauthd.inNamespace([authmuxd, "migrate", "--check", "--logins", logins, "--", "-a", "sasldb", "-m", run])
            #expect(same.termination == .exited(0), "the translation answers as saslauthd: \(same)")
            #expect(same.stdout.contains("all 5 answers agree"), "\(same)")
            for password in ["migrate-pw", "wrong-pw", "other-pw"] {
                #expect(!same.output.contains(password), "a password was printed: \(same)")
            }

            // The same translation with case-insensitive users: ALICE is alice now, not for saslauthd.
            let translated = try await Self.migrate(["--", "-a", "sasldb", "-m", run])
            let different = try sandbox.write(translated.stdout.replacingOccurrences(of: "lowercase_user: false", with: "lowercase_user: true"), to: "different.yaml")
            let differs = try await saslauthd.inNamespace([authmuxd, "migrate", "--check", "--logins", logins, "--config", different, "--saslauthd-socket", saslauthd.socketPath])
            #expect(differs.termination == .exited(1), "\(differs)")
            #expect(differs.stdout.contains("DIFFER line 6: ALICE realm example.com service smtp"), "\(differs)")
            #expect(differs.stdout.contains("1 of 5 answers differ"), "\(differs)")

            // A running authmuxd on the translation (its socket and sasldb moved to the test's,
            // since it runs outside saslauthd's namespace) agrees too.
            let served = translated.stdout
                .replacingOccurrences(of: "path: \"\(run)/mux\"", with: "path: \"\(sandbox.socketPath)\"")
                .replacingOccurrences(of: "path: /etc/sasldb2", with: "path: \(sandbox.sasldbPath)")
            let servedConfig = try sandbox.write(served, to: "served.yaml")
            try await TestDaemon.with(configPath: servedConfig, socketPath: sandbox.socketPath) { _ in
                let running = try await ProcessRunner.run(authmuxd, [
                    "migrate", "--check", "--logins", logins, "--saslauthd-socket", saslauthd.socketPath, "--authmux-socket", sandbox.socketPath,
                ])
                #expect(running.termination == .exited(0), "\(running)")
                #expect(running.stdout.contains("with authmuxd on \(sandbox.socketPath)") && running.stdout.contains("all 5 answers agree"), "\(running)")
            }
            await saslauthd.stop()
        }
    }
}
