import Foundation
import Glibc
import SocketTestSupport
import Testing

/// The file changes while the daemon runs — through the user tool, and through an editor that
/// writes a new file and renames it over the old one — and the next request sees it.
/// Malformed and duplicate lines, and one file per domain.
@Suite(.timeLimit(.minutes(5)))
struct PasswdFileLiveTests {
    @Test func changesByTheToolAndByRenameTakeEffectAtOnce() async throws {
        try await Sandbox.with { sandbox in
            let file = sandbox.file("passwd")
            _ = try await PasswdFileSetup.user("add", file: file, "alice@example.com", password: "Alice-first 1")
            try await PasswdFileSetup.run(sandbox, backend: "path: \(file)") { daemon in
                #expect(try await PasswdFileSetup.check(daemon, "alice", "Alice-first 1").isOK)

                // The tool: a new user, a new password, a deletion.
                _ = try await PasswdFileSetup.user("add", file: file, "bob@example.com", password: "Bob-first 1")
                #expect(try await PasswdFileSetup.check(daemon, "bob", "Bob-first 1").isOK, "a user added while running")
                _ = try await PasswdFileSetup.user("passwd", file: file, "alice@example.com", password: "Alice-second 2")
                #expect(try await PasswdFileSetup.check(daemon, "alice", "Alice-second 2").isOK, "the new password")
                #expect(try await PasswdFileSetup.check(daemon, "alice", "Alice-first 1") == .answer("NO authentication failed"), "the old password")
                let deleted = try await PasswdFileSetup.authmuxd(["user", "del", "--file", file, "bob@example.com"])
                #expect(deleted.termination == .exited(0))
                #expect(try await PasswdFileSetup.check(daemon, "bob", "Bob-first 1") == .answer("NO authentication failed"), "a deleted user")

                // An editor: write a copy elsewhere in the directory and rename it over the file.
                let carol = try await HashTools.mkpasswd("sha512crypt", "Carol-edit 3")
                let alice = try await HashTools.mkpasswd("yescrypt", "Alice-edit 3")
                let scratch = try sandbox.write("alice@example.com:\(alice)\ncarol@example.com:\(carol)\n", to: "passwd.new")
                #expect(rename(scratch, file) == 0)
                #expect(try await PasswdFileSetup.check(daemon, "carol", "Carol-edit 3").isOK, "a user from the renamed file")
                #expect(try await PasswdFileSetup.check(daemon, "alice", "Alice-edit 3").isOK)
                #expect(try await PasswdFileSetup.check(daemon, "alice", "Alice-second 2") == .answer("NO authentication failed"))
            }
        }
    }

    @Test func malformedLinesAreReportedWithFileAndLineAndSkipped() async throws {
        try await Sandbox.with { sandbox in
            let good = try await HashTools.mkpasswd("yescrypt", "Good-user 1")
            let text = "# users\n\ngood@example.com:\(good)\nno colon here\n:{SSHA}nouser\nempty@example.com:\nlast@example.com:\(good)\n"
            let file = try sandbox.write(text, to: "passwd")
            let configPath = try sandbox.write(PasswdFileSetup.configuration(socketPath: sandbox.socketPath, backend: "path: \(file)"), to: "authmux.yaml")
            let checked = try await PasswdFileSetup.authmuxd(["check-config", "--config", configPath])
            #expect(checked.termination == .exited(0), "malformed lines are warnings: \(checked)")
            #expect(checked.stdout.contains("\(file):4: malformed line skipped: no ':' after the user name"), "\(checked)")
            #expect(checked.stdout.contains("\(file):5: malformed line skipped: empty user name"), "\(checked)")
            #expect(checked.stdout.contains("\(file):6: malformed line skipped: empty password field"), "\(checked)")
            #expect(!checked.stdout.contains("\(file):1:") && !checked.stdout.contains("\(file):2:"), "comments and blank lines are fine")
            try await PasswdFileSetup.run(sandbox, backend: "path: \(file)") { daemon in
                #expect(try await PasswdFileSetup.check(daemon, "good", "Good-user 1").isOK)
                #expect(try await PasswdFileSetup.check(daemon, "last", "Good-user 1").isOK, "lines after a malformed one are read")
                try await daemon.waitForLog(containing: "passwd-file: malformed lines skipped")
                // One warning per read of the file, not one per check.
                _ = try await PasswdFileSetup.check(daemon, "good", "Good-user 1")
                #expect(daemon.log.components(separatedBy: "malformed lines skipped").count - 1 == 1, "\(daemon.logTail)")
            }
        }
    }

    @Test func duplicateUsersStopTheStartNamingBothLinesAndAreRefusedAtRunTime() async throws {
        try await Sandbox.with { sandbox in
            let first = try await HashTools.mkpasswd("yescrypt", "Twice-user 1")
            let second = try await HashTools.mkpasswd("yescrypt", "Twice-user 2")
            let file = try sandbox.write("twice@example.com:\(first)\nother@example.com:\(first)\ntwice@example.com:\(second)\n", to: "passwd")
            let configPath = try sandbox.write(PasswdFileSetup.configuration(socketPath: sandbox.socketPath, backend: "path: \(file)"), to: "authmux.yaml")
            let checked = try await PasswdFileSetup.authmuxd(["check-config", "--config", configPath])
            #expect(checked.termination == .exited(2), "\(checked)")
            #expect(checked.stderr.contains("\(file):1:1: user \"twice@example.com\" is written on line 1 and again on line 3"), "\(checked)")

            // Written twice after the start: neither line is trusted, the other users are.
            let clean = try sandbox.write("twice@example.com:\(first)\nother@example.com:\(first)\n", to: "passwd")
            try await PasswdFileSetup.run(sandbox, backend: "path: \(clean)") { daemon in
                #expect(try await PasswdFileSetup.check(daemon, "twice", "Twice-user 1").isOK)
                let scratch = try sandbox.write("twice@example.com:\(first)\nother@example.com:\(first)\ntwice@example.com:\(second)\n", to: "passwd.new")
                #expect(rename(scratch, clean) == 0)
                for password in ["Twice-user 1", "Twice-user 2"] {
                    let reply = try await PasswdFileSetup.check(daemon, "twice", password)
                    #expect(reply == .answer("NO temporarily unavailable"), "a duplicated user: \(reply)")
                }
                #expect(try await PasswdFileSetup.check(daemon, "other", "Twice-user 1").isOK)
                try await daemon.waitForLog(containing: "user written on lines 1 and 3")
            }
        }
    }

    @Test func oneFilePerDomain() async throws {
        try await Sandbox.with { sandbox in
            let a = try sandbox.makeDirectory("a.test")
            let b = try sandbox.makeDirectory("b.test")
            _ = try sandbox.makeDirectory("c.test")
            _ = try await PasswdFileSetup.user("add", file: "\(a)/passwd", "alice", password: "Alice-in-a 1")
            _ = try await PasswdFileSetup.user("add", file: "\(b)/passwd", "alice", password: "Alice-in-b 1")
            try await PasswdFileSetup.run(sandbox, backend: "path: \"\(sandbox.path)/%d/passwd\"") { daemon in
                #expect(try await PasswdFileSetup.check(daemon, "alice", "Alice-in-a 1", realm: "a.test").isOK)
                #expect(try await PasswdFileSetup.check(daemon, "alice@b.test", "Alice-in-b 1", realm: "").isOK)
                #expect(try await PasswdFileSetup.check(daemon, "alice", "Alice-in-b 1", realm: "a.test") == .answer("NO authentication failed"), "each domain has its own users")
                #expect(try await PasswdFileSetup.check(daemon, "alice", "Alice-in-a 1", realm: "c.test") == .answer("NO authentication failed"), "a domain without a file")
                #expect(try await PasswdFileSetup.check(daemon, "alice", "Alice-in-a 1", realm: "..") == .answer("NO authentication failed"), "a realm that is no file name")
                // A domain's file made while running is found.
                _ = try await PasswdFileSetup.user("add", file: "\(sandbox.path)/c.test/passwd", "alice", password: "Alice-in-c 1")
                #expect(try await PasswdFileSetup.check(daemon, "alice", "Alice-in-c 1", realm: "c.test").isOK)
            }
            // check-config reads every domain's file there is.
            let bFile = "\(b)/passwd"
            try (ProcessRunner.readText(bFile) + "broken\n").write(toFile: bFile, atomically: true, encoding: .utf8)
            let configPath = sandbox.file("authmux.yaml")
            let checked = try await PasswdFileSetup.authmuxd(["check-config", "--config", configPath])
            #expect(checked.termination == .exited(0) && checked.stdout.contains("one file per realm"), "\(checked)")
            #expect(checked.stdout.contains("\(bFile):2: malformed line skipped"), "\(checked)")
        }
    }
}
