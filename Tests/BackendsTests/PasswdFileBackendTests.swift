import AuthCore
import AuthWire
import Backends
import Foundation
import Logging
import SocketTestSupport
import Testing

/// The passwd-file backend on its own, with entries made by the real `mkpasswd`: an edit of one
/// user does not make the others' passwords be hashed again, and never lets an old one through.
struct PasswdFileBackendTests {
    static func mkpasswd(_ password: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/mkpasswd")
        process.arguments = ["--stdin", "-m", "yescrypt"]
        // Made while no other child starts, which could otherwise inherit their ends.
        var output: Pipe?
        try ChildProcess.start {
            let input = Pipe()
            output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            input.fileHandleForWriting.write(Data((password + "\n").utf8))
            try input.fileHandleForWriting.close()
        }
        let data = output?.fileHandleForReading.readDataToEndOfFile() ?? Data()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func evaluate(_ backend: PasswdFileBackend, _ lookup: PasswdFileLookup, _ password: String) async -> BackendVerdict {
        await withCheckedContinuation { continuation in
            backend.evaluate(lookup, password: Secret(password)) { continuation.resume(returning: $0.verdict) }
        }
    }

    /// What the accept thread answers once the file has been read whole again after a change
    /// (`reread_after`): polled until it answers, with a deadline, never timed.
    static func settled(_ backend: PasswdFileBackend, _ lookup: PasswdFileLookup, _ password: String) async -> BackendAnswer? {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let answer = backend.answerNow(lookup, password: Secret(password)) { return answer }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    @Test func anEditOfOneUserLeavesTheOthersVerifiedWithoutHashing() async throws {
        let directory = try Saslpasswd2.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/passwd"
        let alice = try Self.mkpasswd("Alice-pass 1"), bob = try Self.mkpasswd("Bob-pass 1")
        try "alice@example.com:\(alice)\nbob@example.com:\(bob)\n".write(toFile: file, atomically: true, encoding: .utf8)
        // Read whole again 10 ms after a change, so the test soon sees the accept-thread path again.
        let settings = PasswdFileSettings(path: file, rereadAfter: .milliseconds(10))
        let backend = PasswdFileBackend(name: "hashed", settings: settings, logger: Logger(label: "test"))
        let subject = { (user: String) in
            CheckSubject(identity: CanonicalIdentity(user: ByteString(user), realm: "example.com", loginAsSent: ByteString(user)), service: "imap")
        }
        let aliceLookup = settings.lookup(for: subject("alice")).lookup
        let bobLookup = settings.lookup(for: subject("bob")).lookup

        #expect(backend.answerNow(aliceLookup, password: Secret("Alice-pass 1")) == nil, "the first check hashes, on the pool")
        #expect(await Self.evaluate(backend, aliceLookup, "Alice-pass 1") == .accepted)
        #expect(backend.answerNow(aliceLookup, password: Secret("Alice-pass 1")) == BackendAnswer(verdict: .accepted), "a repeat needs no hash")
        #expect(backend.answerNow(aliceLookup, password: Secret("Alice-pass 2")) == nil, "another password is hashed")

        // Bob's password changes (an editor's rename); the pool re-reads the file for bob.
        let newBob = try Self.mkpasswd("Bob-pass 2")
        try "alice@example.com:\(alice)\nbob@example.com:\(newBob)\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(await Self.evaluate(backend, bobLookup, "Bob-pass 2") == .accepted)
        #expect(await Self.evaluate(backend, bobLookup, "Bob-pass 1") == .rejected(reason: "wrong password"))
        #expect(await Self.evaluate(backend, aliceLookup, "Alice-pass 1") == .accepted)
        #expect(await Self.settled(backend, aliceLookup, "Alice-pass 1") == BackendAnswer(verdict: .accepted),
                "alice's line did not change: still no hash once the file is read again")

        // Alice's own line changes: her old memo is worthless.
        let newAlice = try Self.mkpasswd("Alice-pass 3")
        try "alice@example.com:\(newAlice)\nbob@example.com:\(newBob)\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(backend.answerNow(aliceLookup, password: Secret("Alice-pass 1")) == nil)
        #expect(await Self.evaluate(backend, aliceLookup, "Alice-pass 1") == .rejected(reason: "wrong password"))
        #expect(await Self.evaluate(backend, aliceLookup, "Alice-pass 3") == .accepted)
        #expect(await Self.settled(backend, settings.lookup(for: subject("carol")).lookup, "x") == BackendAnswer(verdict: .unknownUser),
                "an unknown user is answered at once")
        await backend.shutdown()
    }

    /// Without inotify (its per-user limits reached) every check goes to the pool, which trusts
    /// the parsed copy only while the file's stamp is unchanged and old enough. An edit in place
    /// and an editor's rename are each seen by the very next check, after a copy that was quiet
    /// long enough to be trusted.
    @Test func withoutInotifyEveryChangeIsSeenOnTheNextCheck() async throws {
        let directory = try Saslpasswd2.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/passwd"
        try "alice@example.com:\(try Self.mkpasswd("Alice-pass 1"))\n".write(toFile: file, atomically: true, encoding: .utf8)
        let settings = PasswdFileSettings(path: file, rereadAfter: .milliseconds(10))
        let backend = PasswdFileBackend(name: "hashed", settings: settings, logger: Logger(label: "test"), watched: false)
        let identity = CanonicalIdentity(user: "alice", realm: "example.com", loginAsSent: "alice")
        let lookup = settings.lookup(for: CheckSubject(identity: identity, service: "imap")).lookup

        try SASLDBBackendTests.waitUntilQuiet(file)
        #expect(await Self.evaluate(backend, lookup, "Alice-pass 1") == .accepted)
        #expect(await Self.evaluate(backend, lookup, "Alice-pass 1") == .accepted)
        #expect(backend.answerNow(lookup, password: Secret("Alice-pass 1")) == nil, "without inotify, nothing is answered off the pool")

        // An edit in place: the same inode, rewritten.
        let second = "alice@example.com:\(try Self.mkpasswd("Alice-pass 2"))\n"
        let handle = try #require(FileHandle(forWritingAtPath: file))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(second.utf8))
        try handle.close()
        #expect(await Self.evaluate(backend, lookup, "Alice-pass 1") == .rejected(reason: "wrong password"))
        #expect(await Self.evaluate(backend, lookup, "Alice-pass 2") == .accepted)

        // Quiet again (read whole and trusted once more), then an editor's write and rename.
        try SASLDBBackendTests.waitUntilQuiet(file)
        #expect(await Self.evaluate(backend, lookup, "Alice-pass 2") == .accepted)
        try "alice@example.com:\(try Self.mkpasswd("Alice-pass 3"))\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(await Self.evaluate(backend, lookup, "Alice-pass 2") == .rejected(reason: "wrong password"))
        #expect(await Self.evaluate(backend, lookup, "Alice-pass 3") == .accepted)
        await backend.shutdown()
    }

    @Test func rememberVerifiedOffHashesEveryCheck() async throws {
        let directory = try Saslpasswd2.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/passwd"
        try "alice@example.com:\(try Self.mkpasswd("Alice-pass 1"))\n".write(toFile: file, atomically: true, encoding: .utf8)
        let settings = PasswdFileSettings(path: file, rememberVerified: false)
        let backend = PasswdFileBackend(name: "hashed", settings: settings, logger: Logger(label: "test"))
        let identity = CanonicalIdentity(user: "alice", realm: "example.com", loginAsSent: "alice")
        let lookup = settings.lookup(for: CheckSubject(identity: identity, service: "imap")).lookup
        #expect(await Self.evaluate(backend, lookup, "Alice-pass 1") == .accepted)
        #expect(backend.answerNow(lookup, password: Secret("Alice-pass 1")) == nil, "no memo: the pool hashes again")
        await backend.shutdown()
    }

    @Test func configurationIsDecodedStrictly() throws {
        let catalog = BuiltinBackends.catalog
        func parse(_ backend: String) throws -> AuthmuxConfig {
            try ConfigLoader.parse(yaml: "backends:\n  h: { type: passwd-file, \(backend) }\n", file: "t.yaml", catalog: catalog)
        }
        let config = try parse("path: \"/etc/authmux/%d/passwd\", allow_weak_schemes: true, rehash: true, remember_verified: false")
        let settings = try #require(config.backends.first?.settings as? PasswdFileSettings)
        #expect(settings.perDomain && settings.effectiveIdentity == .bare && settings.allowWeakSchemes && settings.rehash && !settings.rememberVerified)
        #expect(try parse("path: /etc/authmux/passwd").backends.first.map { ($0.settings as? PasswdFileSettings)?.effectiveIdentity } == .qualified)
        for bad in ["path: relative/passwd", "path: /etc/%u/passwd", "path: /etc/authmux/", "path: /p, scheme: SSHA", "threads: 2", "path: /p, identity: lower"] {
            #expect(throws: ConfigError.self, "\(bad)") { try parse(bad) }
        }
    }
}
