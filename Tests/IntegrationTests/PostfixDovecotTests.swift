import Foundation
import Testing

/// Real Postfix (Debian's smtpd with `smtpd_sasl_type = dovecot`) authenticating SMTP clients
/// through authmux's Dovecot door: PLAIN and LOGIN, right and wrong passwords, `user@realm`
/// and a bare login. Postfix keeps one connection to the door per smtpd process.
@Suite("Postfix through the Dovecot door", .timeLimit(.minutes(3)))
struct PostfixDovecotTests {
    typealias S = StandardSetup

    /// The README's main.cf lines and listener: the socket in Postfix's queue directory, named
    /// relative to it, group postfix.
    @Test func postfixAuthenticatesThroughAuthmux() async throws {
        let postfix = try await PostfixInstance.prepare(saslPath: "private/authmux")
        let listener = DaemonConfig.ExtraListener(protocolName: "dovecot", path: postfix.privateDirectory + "/authmux", mode: "0660", group: "postfix")
        do {
            try await DovecotSetup.run(listener: listener) { _, daemon, _ in
                // As on a host: the door answers before Postfix starts.
                try await postfix.start()
                for mechanism in ["PLAIN", "LOGIN"] {
                    for login in ["foo@example.com", "foo"] {
                        let right = try await MailServerClients.authenticate(smtpSocket: postfix.smtpSocket, mechanism: mechanism, user: login, password: S.password)
                        #expect(right.termination == .exited(0) && right.stdout.contains("AUTH: 235"),
                                "\(mechanism) \(login): \(right)\n\(daemon.logTail)\n\(postfix.log)")
                        #expect(right.stdout.contains("EHLO: AUTH PLAIN LOGIN"), "Postfix offers what the door offers: \(right)")
                    }
                    let wrong = try await MailServerClients.authenticate(smtpSocket: postfix.smtpSocket, mechanism: mechanism, user: "foo@example.com", password: "Wr0ng-f00")
                    #expect(wrong.termination == .exited(1) && wrong.stdout.contains("AUTH: 535"), "\(mechanism) wrong: \(wrong)")
                }
                #expect(await daemon.waitUntilLogContains("result=NO"), "\(daemon.logTail)")
                // Postfix passes the SMTP client's address: the log (and PAM_RHOST, the throttle)
                // see it.
                #expect(daemon.log.contains("client=127.0.0.1 protocol=dovecot"), "\(daemon.logTail)")
                #expect(postfix.log.contains("sasl_username=foo@example.com"), "Postfix logs the user the door named\n\(postfix.log)")
            }
        } catch {
            await postfix.stop()
            throw error
        }
        await postfix.stop()
    }
}
