import Foundation
import SocketTestSupport
import Testing

/// Off clear text: a sasldb written by saslpasswd2 imported into a hashed passwd-file, and
/// `rehash` rewriting weaker entries without ever losing a concurrent `user passwd`.
@Suite(.timeLimit(.minutes(5)))
struct PasswdFileMigrationTests {
    @Test func importFromSaslpasswd2ThenEveryUserChecks() async throws {
        try await Sandbox.with { sandbox in
            let db = SaslDB(path: sandbox.sasldbPath)
            let users: [(user: String, realm: String, password: String)] = [
                ("foo", "example.com", "Foo-sasl 1"), ("bar", "example.com", "Bar-sasl 2"),
                ("foo", "other.org", "Foo-other 3"), ("Mixed.Case", "other.org", "Mixed-sasl 4"),
            ]
            for item in users { try await db.setPassword(item.password, user: item.user, realm: item.realm) }
            let file = sandbox.file("passwd")
            let imported = try await PasswdFileSetup.authmuxd(["user", "import-sasldb", "--sasldb", sandbox.sasldbPath, "--file", file])
            #expect(imported.termination == .exited(0) && imported.stdout.contains("imported 4 of 4 users"), "\(imported)")
            #expect(imported.stdout.contains("realms: example.com, other.org"), "\(imported)")
            let text = ProcessRunner.readText(file)
            for item in users {
                #expect(text.contains("\(item.user)@\(item.realm):{CRYPT}$y$"), "\(item.user)@\(item.realm) hashed with yescrypt: \(text)")
                #expect(!text.contains(item.password), "no clear text in the passwd-file")
            }
            try await PasswdFileSetup.run(sandbox, backend: "path: \(file)") { daemon in
                for item in users {
                    let right = try await PasswdFileSetup.check(daemon, item.user, item.password, realm: item.realm)
                    #expect(right.isOK, "\(item.user)@\(item.realm) after the import: \(right)")
                    let wrong = try await PasswdFileSetup.check(daemon, item.user, "Not-it 0", realm: item.realm)
                    #expect(wrong == .answer("NO authentication failed"), "\(item.user)@\(item.realm), wrong password: \(wrong)")
                }
            }
            // Running it again keeps what is there.
            let again = try await PasswdFileSetup.authmuxd(["user", "import-sasldb", "--sasldb", sandbox.sasldbPath, "--file", file])
            #expect(again.stdout.contains("imported 0 of 4 users") && again.stdout.contains("kept the existing entry of foo@example.com"), "\(again)")
        }
    }

    @Test func rehashRewritesAWeakerEntryInYescrypt() async throws {
        try await Sandbox.with { sandbox in
            let entry = try await HashTools.doveadm("SSHA512", "Rehash-me 1")
            let modern = try await HashTools.mkpasswd("yescrypt", "Stay-as-is 1")
            let file = try sandbox.write("old@example.com:\(entry):1000:1000::/home/old::\nnew@example.com:\(modern)\n", to: "passwd")
            try await PasswdFileSetup.run(sandbox, backend: "path: \(file), rehash: true") { daemon in
                #expect(try await PasswdFileSetup.check(daemon, "old", "Rehash-me 1").isOK)
                #expect(try await PasswdFileSetup.check(daemon, "new", "Stay-as-is 1").isOK)
                try await daemon.waitForLog(containing: "passwd-file entry rehashed")
                let text = ProcessRunner.readText(file)
                #expect(text.hasPrefix("old@example.com:{CRYPT}$y$") && text.contains(":1000:1000::/home/old::\n"), "the rest of the line kept: \(text)")
                #expect(text.contains("new@example.com:\(modern)\n"), "a yescrypt entry is left alone")
                #expect(try await PasswdFileSetup.check(daemon, "old", "Rehash-me 1").isOK, "the same password after the rehash")
                // The rewrite is logged by user and scheme names only: neither hash reaches the log.
                let rewritten = text.split(separator: "\n").first.map { String($0.split(separator: ":")[1]) } ?? ""
                for hash in [entry, rewritten] {
                    #expect(!daemon.log.contains(String(hash.suffix(24))), "a hash reached the log")
                }
                #expect(try await PasswdFileSetup.check(daemon, "old", "Rehash-me 2") == .answer("NO authentication failed"))
            }
        }
    }

    /// Checks that trigger rehashes race `user passwd` and `user add` on the same file: every
    /// tool change survives, and the last password set is the one that works.
    @Test func concurrentUserPasswdAndRehashLoseNothing() async throws {
        try await Sandbox.with { sandbox in
            var lines: [String] = []
            for index in 0..<6 {
                lines.append("u\(index)@example.com:\(try await HashTools.doveadm("SSHA256", "Old-pass \(index)"))")
            }
            let file = try sandbox.write(lines.joined(separator: "\n") + "\n", to: "passwd")
            try await PasswdFileSetup.run(sandbox, backend: "path: \(file), rehash: true, threads: 2") { daemon in
                let socket = daemon.socketPath
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<6 {
                        group.addTask {
                            // Old password (rehash may follow), then the tool, racing the rehash.
                            _ = try await PasswdFileSetup.check(socketPath: socket, "u\(index)", "Old-pass \(index)")
                        }
                        group.addTask {
                            let changed = try await PasswdFileSetup.user("passwd", file: file, "u\(index)@example.com", password: "New-pass \(index)", scheme: "SHA512-CRYPT")
                            guard changed.termination == .exited(0) else { throw IntegrationError("user passwd: \(changed)") }
                        }
                        group.addTask {
                            let added = try await PasswdFileSetup.user("add", file: file, "added\(index)@example.com", password: "Added-pass \(index)")
                            guard added.termination == .exited(0) else { throw IntegrationError("user add: \(added)") }
                        }
                    }
                    try await group.waitForAll()
                }
                // Whatever order things ran in, the tool's writes are all there.
                for index in 0..<6 {
                    let new = try await PasswdFileSetup.check(daemon, "u\(index)", "New-pass \(index)")
                    #expect(new.isOK, "u\(index): the password set by user passwd: \(new)")
                    let old = try await PasswdFileSetup.check(daemon, "u\(index)", "Old-pass \(index)")
                    #expect(old == .answer("NO authentication failed"), "u\(index): the old password after user passwd: \(old)")
                    #expect(try await PasswdFileSetup.check(daemon, "added\(index)", "Added-pass \(index)").isOK, "added\(index)")
                }
                let listed = try await PasswdFileSetup.authmuxd(["user", "list", "--file", file])
                #expect(listed.stdout.split(separator: "\n").count == 12, "\(listed)")
            }
        }
    }
}
