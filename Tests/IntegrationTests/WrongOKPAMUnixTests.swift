import Foundation
import Glibc
import SocketTestSupport
import Testing

/// Issue 14's wrong OKs through the production PAM path: the host's libpam, a real
/// /etc/pam.d file and pam_unix checking a throwaway account in /etc/shadow (root only, as
/// CI runs). Each of these answered OK before the fix.
@Suite("Wrong OKs through pam_unix (root)", .enabled(if: geteuid() == 0, "creates system users: needs root"), .timeLimit(.minutes(2)))
struct WrongOKPAMUnixTests {
    typealias Account = PAMUnixTests.ThrowawayAccount

    /// Runs `body` with a fresh account, its own pam_unix service file `stack`, and a daemon
    /// whose only backend is `backend` (YAML, `SERVICE` standing for the account's service).
    static func with(
        stack: String, backend: String, extra: String = "", prepare: (Account) async throws -> Void = { _ in },
        _ body: (Account, TestDaemon) async throws -> Void
    ) async throws {
        let account = try await Account.create()
        do {
            try stack.write(toFile: account.servicePath, atomically: true, encoding: .utf8)
            try await prepare(account)
            try await Sandbox.with { sandbox in
                let config = """
                    listen: [ { protocol: saslauthd, path: \(sandbox.socketPath) } ]
                    \(extra)
                    backends: { system: \(backend.replacingOccurrences(of: "SERVICE", with: account.service)) }
                    """
                let path = try sandbox.write(config, to: "authmux.yaml")
                try await TestDaemon.with(configPath: path, socketPath: sandbox.socketPath) { daemon in
                    try await body(account, daemon)
                }
            }
        } catch {
            await account.remove()
            throw error
        }
        await account.remove()
    }

    static func ask(_ daemon: TestDaemon, _ fields: [String]) async throws -> SaslauthdReply {
        try await RawSaslauthdClient.exchange(socketPath: daemon.socketPath, fields: fields)
    }

    /// `"\0"` reached PAM as an empty C string: with `nullok` and an account without a password
    /// (`passwd -d`) pam_unix said OK. Now a NUL anywhere in a password is refused at the door,
    /// as Cyrus saslauthd refuses it, and PAM is never asked.
    @Test func aNULPasswordNeverReachesNullok() async throws {
        try await Self.with(
            stack: "auth required pam_unix.so nullok\naccount required pam_unix.so\n",
            backend: "{ type: pam, services: [ SERVICE ] }",
            prepare: { account in
                let cleared = try await ProcessRunner.run(try IntegrationEnvironment.systemTool("passwd"), ["-d", account.user])
                guard cleared.termination == .exited(0) else { throw IntegrationError("passwd -d failed: \(cleared)") }
            }
        ) { account, daemon in
            for password in ["\u{0}", "\u{0}anything", "x\u{0}"] {
                let reply = try await Self.ask(daemon, [account.user, password, account.service, ""])
                #expect(reply == .answer("NO password contains a NUL byte"), "\(password.debugDescription): \(reply)")
            }
            try await daemon.waitForLog(containing: "request refused reason=\"password contains a NUL byte\"")
            #expect(!daemon.log.contains("system: accepted"), "PAM accepted a check:\n\(daemon.logTail)")
        }
    }

    /// `secret\0junk` was checked as `secret`: the store saw less than was sent.
    @Test func aPasswordIsNeverCutAtANUL() async throws {
        try await Self.with(
            stack: "auth required pam_unix.so\naccount required pam_unix.so\n",
            backend: "{ type: pam, services: [ SERVICE ] }"
        ) { account, daemon in
            let cut = try await Self.ask(daemon, [account.user, account.password + "\u{0}junk", account.service, ""])
            #expect(cut == .answer("NO password contains a NUL byte"), "\(cut)")
            let whole = try await Self.ask(daemon, [account.user, account.password, account.service, ""])
            #expect(whole.isOK, "the password itself still works: \(whole)")
        }
    }

    /// With `identity: as_sent`, `aliceu` is a Unix account and `aliceu@example.com` is not. The
    /// cache used to file both under the canonical user and answered the second `OK cached=yes`.
    /// Now the cache key is what PAM is asked, so the second goes to PAM, which does not know it.
    @Test func theCacheNeverAnswersForAnIdentityPAMDidNotAccept() async throws {
        try await Self.with(
            stack: "auth required pam_unix.so\naccount required pam_unix.so\n",
            backend: "{ type: pam, identity: as_sent, services: [ SERVICE ] }",
            extra: "realms: { default: example.com }\nfailure_delay: { floor: 0s }"
        ) { account, daemon in
            let bare = try await Self.ask(daemon, [account.user, account.password, account.service, ""])
            #expect(bare.isOK, "\(bare)")
            let again = try await Self.ask(daemon, [account.user, account.password, account.service, ""])
            #expect(again.isOK, "\(again)")
            try await daemon.waitForLog(containing: "cached=yes")
            let qualified = try await Self.ask(daemon, ["\(account.user)@example.com", account.password, account.service, ""])
            #expect(qualified.isNO, "PAM knows no user \(account.user)@example.com: \(qualified)")
            try await daemon.waitForLog(containing: "asked=\"system: \(account.user)@example.com (PAM \(account.service))\"")
            let line = daemon.log.split(separator: "\n").last { $0.contains("asked=\"system: \(account.user)@example.com") }
            #expect(line.map { !$0.contains("cached=yes") && $0.contains("result=NO") } == true, "\(line ?? "")")
        }
    }
}
