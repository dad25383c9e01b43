import Foundation
import SocketTestSupport
import Testing

/// Real Exim (Debian's exim4-daemon-heavy, unpacked by the test bootstrap beside Postfix, with
/// which its package conflicts) authenticating SMTP clients through authmux's Dovecot door with
/// the authenticators the README gives. Exim opens one connection per authentication, reads
/// the server's handshake before it writes, and sends its whole request at once.
@Suite("Exim through the Dovecot door", .timeLimit(.minutes(3)))
struct EximDovecotTests {
    typealias S = StandardSetup

    static var exim: String { IntegrationEnvironment.packageRoot.appendingPathComponent("var/test-tools/exim4/usr/sbin/exim4").path }

    /// The README's authenticator block, on `socket`, under a minimal configuration of Exim's
    /// own for `-bs` (SMTP on standard input) in `directory`.
    static func configuration(socket: String, directory: String) -> String {
        """
        exim_user = mail
        exim_group = mail
        primary_hostname = mx.example.test
        spool_directory = \(directory)/spool
        log_file_path = \(directory)/%slog
        keep_environment =

        begin authenticators

        dovecot_plain:
          driver = dovecot
          public_name = PLAIN
          server_socket = \(socket)
          server_set_id = $auth1

        dovecot_login:
          driver = dovecot
          public_name = LOGIN
          server_socket = \(socket)
          server_set_id = $auth1

        """
    }

    @Test func eximAuthenticatesThroughAuthmux() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.exim) else {
            throw IntegrationError("\(Self.exim) is missing: make test unpacks Exim there (scripts/install-deps.sh)")
        }
        try await DovecotSetup.run(openToAll: true) { sandbox, daemon, path in
            let directory = try sandbox.makeDirectory("exim")
            for name in [directory, try sandbox.makeDirectory("exim/spool")] { chmod(name, 0o777) }
            let config = try sandbox.write(Self.configuration(socket: path, directory: directory), to: "exim/exim.conf")
            // -oMa: the SMTP client's address, which Exim passes on as rip=.
            let command = [Self.exim, "-C", config, "-bs", "-oMa", "192.0.2.25"]
            for mechanism in ["PLAIN", "LOGIN"] {
                for login in ["foo@example.com", "foo"] {
                    let right = try await MailServerClients.authenticate(standardIO: command, mechanism: mechanism, user: login, password: S.password)
                    #expect(right.termination == .exited(0) && right.stdout.contains("AUTH: 235"), "\(mechanism) \(login): \(right)\n\(daemon.logTail)")
                    #expect(right.stdout.contains("EHLO: AUTH PLAIN LOGIN"), "\(right)")
                }
                let wrong = try await MailServerClients.authenticate(standardIO: command, mechanism: mechanism, user: "foo@example.com", password: "Wr0ng-e41m")
                #expect(wrong.termination == .exited(1) && wrong.stdout.contains("AUTH: 535"), "\(mechanism) wrong: \(wrong)")
            }
            #expect(await daemon.waitUntilLogContains("result=NO"), "\(daemon.logTail)")
            #expect(daemon.log.contains("client=192.0.2.25 protocol=dovecot"), "Exim passes the client's address\n\(daemon.logTail)")
        }
    }
}
