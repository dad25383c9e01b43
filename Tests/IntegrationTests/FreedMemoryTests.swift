import Foundation
import Glibc
import SocketTestSupport
import Testing

/// Once a check is answered, its password is nowhere in the daemon's memory: not in the
/// `Secret` (wiped when released), not in a handler's buffer (wiped at the end of the
/// connection), and not in freed heap blocks — SwiftNIO's receive buffers and a handler buffer
/// that grew are released through authmux's wiping allocator. Freed memory is what a core file,
/// a later heap bug or a debugger would find. The daemon's memory is read through /proc/PID/mem.
@Suite("Freed memory", .enabled(if: geteuid() == 0, "reads the daemon's memory, which is not dumpable: needs root"), .timeLimit(.minutes(2)))
struct FreedMemoryTests {
    typealias S = StandardSetup

    /// Every front door, requests answered by the accept thread and one that arrives in two parts
    /// and is finished by SwiftNIO; a long request makes the machine's buffer grow. Wrong passwords, so the sasldb (which holds its users' own passwords) has none of
    /// them. The threads' stacks are searched too: this test found the end of a request in a
    /// stale stack frame, written there by the dynamic linker resolving a symbol on its first
    /// call (it saves every vector register, which glibc's SIMD copies had just filled), until
    /// authmuxd was linked to bind every symbol at start. The credential cache is on: this test
    /// also found the password's last block in SHA-256 contexts that swift-crypto frees without
    /// wiping, until the cache's HMAC pushed a block of filler after it.
    @Test func noPasswordIsLeftInTheDaemonsMemory() async throws {
        let short = Self.password(length: 64)
        let long = Self.password(length: 250)
        for password in [short, long] { TestSecrets.register(password) }
        try await FrontDoorSetup.run(configure: { config in
            config.readTimeout = "10s"
        }) { sandbox, _, daemon in
            let socket = daemon.socketPath
            let (pwcheck, authdaemond) = (sandbox.pwcheckPath, sandbox.authdaemondPath)
            // Blocking exchanges, on a thread of their own rather than the cooperative pool's.
            let replies = try await OwnThread.run { () -> [Bool] in
                var refused = [
                    try RawSaslauthdClient.blockingExchange(socketPath: socket, fields: [S.user, short, S.service, S.realm]).isNO,
                    try RawSaslauthdClient.blockingExchange(socketPath: socket, fields: [String(repeating: "u", count: 200), long, S.service, S.realm]).isNO,
                ]
                // In two parts: the accept thread hands what it read to SwiftNIO, which reads the rest.
                let request = RawSaslauthdClient.encode([S.user, short, S.service, S.realm])
                let client = try RawSaslauthdClient(socketPath: socket)
                try client.send(Array(request.prefix(12)))
                usleep(100_000)
                try client.send(Array(request.dropFirst(12)))
                refused.append(try client.blockingReadReply().isNO)
                return refused
            }
            var others: [Bool] = []
            for password in [short, long] {
                others.append(try await FrontDoorClient.pwcheck(socketPath: pwcheck, login: "foo@example.com", password: password) == "authentication failed")
            }
            let answer = try await FrontDoorClient.authdaemond(socketPath: authdaemond, service: "imap", login: "foo@example.com", password: long)
            others.append(answer.contains("FAIL"))
            #expect(others.allSatisfy { $0 }, "every pwcheck and authdaemond check must have been refused: \(others)")
            #expect(replies.allSatisfy { $0 }, "every check must have been refused: \(replies)")

            let found = try await Self.remaining([short, long], in: daemon)
            #expect(found.isEmpty, "a password is still in the daemon's memory: \(found)")
        }
    }

    /// Right passwords, checked by the passwd-file backend. Two things once left a password's
    /// last partial block in a SHA-256 or SHA-512 context that swift-crypto frees without
    /// wiping: the HMAC under which the backend remembers a password that verified
    /// (`VerifiedPasswords`), and the salted and plain digest schemes themselves. A length of 120
    /// leaves 56 bytes or more in that block (after the HMAC's 64-byte key pad, or with a salt),
    /// which hold the 40 this test looks for. PBKDF2 (BoringSSL's HMAC under CryptoExtras) is
    /// checked too. Entries made by the real tools: sha512crypt by mkpasswd, the others by
    /// doveadm. Two users per scheme, one check each: a freed block may be reused by the next
    /// allocation, so one password alone could hide a leak.
    @Test func noRightPasswordIsLeftByThePasswdFileBackend() async throws {
        let schemes = ["sha512crypt", "SSHA256", "SHA512", "SSHA", "PBKDF2", "sha512crypt", "SSHA256", "SHA512", "SSHA", "PBKDF2"]
        let users = schemes.indices.map { "user\($0)" }
        let passwords = users.map { _ in Self.password(length: 120) }
        try await Sandbox.with { sandbox in
            var lines = ""
            for (index, scheme) in schemes.enumerated() {
                let entry = scheme == "sha512crypt"
                    ? try await HashTools.mkpasswd(scheme, passwords[index])
                    : try await HashTools.doveadm(scheme, passwords[index])
                lines += "\(users[index])@example.com:\(entry)\n"
            }
            let file = try sandbox.write(lines, to: "passwd")
            // SSHA is SHA-1: a weak scheme, refused unless allowed.
            try await PasswdFileSetup.run(sandbox, backend: "path: \(file), allow_weak_schemes: true") { daemon in
                for (user, password) in zip(users, passwords) {
                    #expect(try await PasswdFileSetup.check(daemon, user, password).isOK, "\(user) verified")
                }
                let found = try await Self.remaining(passwords, in: daemon)
                #expect(found.isEmpty, "a password is still in the daemon's memory: \(found)")
            }
        }
    }

    /// Where the daemon's memory still holds the end of any of `passwords` (the start of a freed
    /// block holds the allocator's own pointers, so each password's last 40 bytes are looked
    /// for); empty once none is left. Answers are written before a connection's objects are
    /// released, so it looks again for up to 10 s.
    static func remaining(_ passwords: [String], in daemon: TestDaemon) async throws -> [String] {
        let needles = passwords.map { Array($0.utf8.suffix(40)) }
        let pid = daemon.pid
        var found: [String] = []
        let deadline = ContinuousClock.now + .seconds(10)
        repeat {
            found = try await OwnThread.run { try needles.flatMap { try ProcessMemory.occurrences(of: $0, in: pid) } }
            if found.isEmpty { break }
            try await Task.sleep(for: .milliseconds(100))
        } while ContinuousClock.now < deadline
        return found
    }

    static func password(length: Int) -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return "Freed-" + String((0..<(length - 6)).map { _ in letters.randomElement()! })
    }
}
