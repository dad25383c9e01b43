import Foundation
import SocketTestSupport
import Testing

/// `authmuxd pw` and `authmuxd user`: what they write is checked by Dovecot's own
/// `doveadm pw -t`, never by authmux's code, and the file keeps its owner and mode.
@Suite(.timeLimit(.minutes(5)))
struct PasswdFileToolTests {
    static let schemes = [
        "YESCRYPT", "ARGON2ID", "ARGON2I", "BLF-CRYPT", "SHA512-CRYPT", "SHA256-CRYPT",
        "PBKDF2", "SSHA512", "SSHA256", "SSHA", "SHA512", "SHA256",
    ]

    @Test func everySchemeOurToolWritesIsVerifiedByDoveadm() async throws {
        let password = "Tool-made 42"
        TestSecrets.register(password)
        for scheme in Self.schemes {
            let made = try await PasswdFileSetup.authmuxd(["pw", "-s", scheme, "--stdin"], stdin: password + "\n")
            #expect(made.termination == .exited(0), "\(made)")
            let entry = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(!made.output.contains(password))
            let right = try await HashTools.doveadmVerifies(entry, password)
            #expect(right.termination == .exited(0) && right.output.contains("(verified)"), "doveadm on our \(scheme): \(right)")
            let wrong = try await HashTools.doveadmVerifies(entry, "Tool-made 43")
            #expect(wrong.termination != .exited(0), "doveadm must refuse the wrong password for our \(scheme): \(wrong)")
        }
        let defaultEntry = try await PasswdFileSetup.authmuxd(["pw", "--stdin"], stdin: password + "\n")
        #expect(defaultEntry.stdout.hasPrefix("{CRYPT}$y$"), "yescrypt is the default: \(defaultEntry)")
    }

    @Test func userAddPasswdDelListKeepOwnerModeAndOtherLines() async throws {
        try await Sandbox.with { sandbox in
            let file = try sandbox.write("# managed by hand too\nkeep@example.com:{SSHA}abcd:1000:1000::/home/keep:/bin/sh\n", to: "passwd")
            chmod(file, 0o640)
            chown(file, 0, 8)  // group mail, as a file Dovecot reads might be
            let added = try await PasswdFileSetup.user("add", file: file, "alice@example.com", password: "Alice-pass 1")
            #expect(added.termination == .exited(0), "\(added)")
            let again = try await PasswdFileSetup.user("add", file: file, "alice@example.com", password: "Alice-pass 1")
            #expect(again.termination == .exited(1) && again.stderr.contains("already"), "\(again)")
            let changed = try await PasswdFileSetup.user("passwd", file: file, "alice@example.com", password: "Alice-pass 2", scheme: "ARGON2ID")
            #expect(changed.termination == .exited(0), "\(changed)")
            let missing = try await PasswdFileSetup.user("passwd", file: file, "nobody@example.com", password: "Nobody-pass 1")
            #expect(missing.termination == .exited(1), "\(missing)")

            let text = ProcessRunner.readText(file)
            #expect(text.hasPrefix("# managed by hand too\nkeep@example.com:{SSHA}abcd:1000:1000::/home/keep:/bin/sh\n"), "\(text)")
            let alice = text.split(separator: "\n").first { $0.hasPrefix("alice@example.com:") }.map(String.init) ?? ""
            #expect(alice.hasPrefix("alice@example.com:{ARGON2ID}$argon2id$"), "\(text)")
            let verified = try await HashTools.doveadmVerifies(String(alice.dropFirst("alice@example.com:".count)), "Alice-pass 2")
            #expect(verified.output.contains("(verified)"), "\(verified)")
            var info = stat()
            stat(file, &info)
            #expect(info.st_mode & 0o7777 == 0o640 && info.st_uid == 0 && info.st_gid == 8, "owner and mode kept: \(info.st_mode & 0o7777) \(info.st_uid):\(info.st_gid)")
            // The lock file follows the passwd-file's group, so a daemon that reads the file can
            // take the lock for rehash.
            var lockInfo = stat()
            stat(file + ".lock", &lockInfo)
            #expect(lockInfo.st_mode & 0o7777 == 0o640 && lockInfo.st_gid == 8, "lock file: \(lockInfo.st_mode & 0o7777) gid \(lockInfo.st_gid)")

            let listed = try await PasswdFileSetup.authmuxd(["user", "list", "--file", file])
            #expect(listed.stdout.contains("alice@example.com\tARGON2ID\tline 3") && listed.stdout.contains("keep@example.com\tSSHA\tline 2"), "\(listed)")
            #expect(!listed.stdout.contains("$argon2id$"), "list never prints a hash")

            let deleted = try await PasswdFileSetup.authmuxd(["user", "del", "--file", file, "alice@example.com"])
            #expect(deleted.termination == .exited(0), "\(deleted)")
            #expect(!ProcessRunner.readText(file).contains("alice@"))
            // Nothing left behind but the lock file.
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: sandbox.path).filter { $0.hasPrefix(".passwd.") }
            #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
        }
    }

    @Test func passwordNeverOnTheCommandLineAndNoTerminalIsAnError() async throws {
        try await Sandbox.with { sandbox in
            let file = sandbox.file("passwd")
            // Without --stdin and without a terminal (the runner's stdin is a file, and it has
            // no controlling terminal) the tool refuses instead of reading a password from argv.
            let result = try await ProcessRunner.run(
                "/usr/bin/setsid", ["-w", try IntegrationEnvironment.authmuxd(), "user", "add", "--file", file, "bob@example.com"])
            #expect(result.termination == .exited(1) && result.stderr.contains("--stdin"), "\(result)")
            #expect(!sandbox.exists("passwd"))
        }
    }
}
