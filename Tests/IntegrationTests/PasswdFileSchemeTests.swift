import SocketTestSupport
import Testing

/// Every scheme the passwd-file backend reads, against entries made by the real tools
/// (mkpasswd, doveadm pw, slappasswd, htpasswd, Python's hashlib), through the real daemon:
/// the right password is OK, a wrong one NO, a damaged entry "temporarily unavailable" with a
/// log line naming its place, and no password or entry ever reaches the log.
@Suite(.timeLimit(.minutes(5)))
struct PasswdFileSchemeTests {
    static let password = "Right-horse 9"
    static let weakPassword = "Weak-pass 1"

    /// user -> entry, one per tool and scheme.
    static func strongEntries() async throws -> [(user: String, entry: String)] {
        let p = password
        return [
            ("yescrypt", try await HashTools.mkpasswd("yescrypt", p)),
            ("sha512crypt", try await HashTools.mkpasswd("sha512crypt", p)),
            ("sha256crypt", try await HashTools.mkpasswd("sha256crypt", p)),
            ("bcrypt", try await HashTools.mkpasswd("bcrypt", p)),
            ("bcrypt-a", try await HashTools.mkpasswd("bcrypt-a", p)),
            ("scrypt", try await HashTools.mkpasswd("scrypt", p)),
            ("dove-argon2id", try await HashTools.doveadm("ARGON2ID", p)),
            ("dove-argon2i", try await HashTools.doveadm("ARGON2I", p)),
            ("dove-pbkdf2", try await HashTools.doveadm("PBKDF2", p)),
            ("dove-ssha512", try await HashTools.doveadm("SSHA512", p)),
            ("dove-sha512crypt", try await HashTools.doveadm("SHA512-CRYPT", p)),
            ("dove-blfcrypt", try await HashTools.doveadm("BLF-CRYPT", p)),
            ("slap-ssha", try await HashTools.slappasswd(p)),
            ("htpasswd-bcrypt", try await HashTools.htpasswdBcrypt(p)),
            ("py-ssha256", try await HashTools.python("ssha256", p)),
            ("py-ssha512", try await HashTools.python("ssha512", p)),
            ("py-ssha512hex", try await HashTools.python("ssha512hex", p)),
            ("py-sha256hex", try await HashTools.python("sha256hex", p)),
            ("py-sha512", try await HashTools.python("sha512", p)),
        ]
    }

    /// Each entry damaged the way a bad copy-and-paste would: a crypt string cut short, an
    /// Argon2 parameter renamed, a PBKDF2 hash cut, base64 with a stray character, hex cut.
    static func corrupt(_ user: String, _ entry: String) -> String? {
        switch user {
        case "yescrypt", "sha512crypt", "bcrypt", "dove-blfcrypt": return String(entry.dropLast(4))
        case "dove-argon2id": return entry.replacing("m=", with: "q=")
        case "dove-pbkdf2", "py-sha256hex": return String(entry.dropLast(4))
        case "dove-ssha512", "slap-ssha", "py-ssha256": return entry.replacing("}", with: "}!")
        default: return nil
        }
    }

    @Test func everySchemeFromRealToolsRightWrongAndCorrupt() async throws {
        try await Sandbox.with { sandbox in
            let entries = try await Self.strongEntries()
            var lines: [String] = []
            var corruptUsers: [(user: String, line: Int)] = []
            for item in entries { lines.append("\(item.user)@example.com:\(item.entry)") }
            for item in entries {
                guard let damaged = Self.corrupt(item.user, item.entry) else { continue }
                lines.append("\(item.user)-corrupt@example.com:\(damaged)")
                corruptUsers.append(("\(item.user)-corrupt", lines.count))
            }
            let file = try sandbox.write(lines.joined(separator: "\n") + "\n", to: "passwd")
            try await PasswdFileSetup.run(sandbox, backend: "path: \(file)") { daemon in
                for item in entries {
                    let right = try await PasswdFileSetup.check(daemon, item.user, Self.password)
                    #expect(right.isOK, "\(item.user) (\(item.entry.prefix(14))…) with the right password: \(right)")
                    let wrong = try await PasswdFileSetup.check(daemon, item.user, "Wrong-horse 9")
                    #expect(wrong == .answer("NO authentication failed"), "\(item.user) with a wrong password: \(wrong)")
                }
                for item in corruptUsers {
                    let reply = try await PasswdFileSetup.check(daemon, item.user, Self.password)
                    #expect(reply == .answer("NO temporarily unavailable"), "\(item.user): \(reply)")
                    try await daemon.waitForLog(containing: "at=\(file):\(item.line)")
                }
                #expect(daemon.log.contains("passwd-file entry cannot be checked"))
                // Requests are logged with --debug: still no hash, nor any part of one past its
                // scheme's prefix, reaches the log.
                for item in entries {
                    let secretPart = String(item.entry.suffix(20))
                    #expect(!daemon.log.contains(secretPart), "\(item.user)'s entry reached the log")
                }
            }
        }
    }

    static func weakEntries() async throws -> [(user: String, entry: String)] {
        let p = weakPassword
        return [
            ("md5crypt", try await HashTools.mkpasswd("md5crypt", p)),
            ("descrypt", try await HashTools.mkpasswd("descrypt", p)),
            ("dove-smd5", try await HashTools.doveadm("SMD5", p)),
            ("dove-plainmd5", try await HashTools.doveadm("PLAIN-MD5", p)),
            ("dove-ldapmd5", try await HashTools.doveadm("LDAP-MD5", p)),
            ("dove-sha1", try await HashTools.doveadm("SHA1", p)),
            ("dove-md5crypt", try await HashTools.doveadm("MD5-CRYPT", p)),
            ("plain", "{PLAIN}\(p)"),
        ]
    }

    @Test func weakSchemesRefusedByDefaultAndNamedByCheckConfig() async throws {
        try await Sandbox.with { sandbox in
            var entries = try await Self.weakEntries()
            entries.append(("dove-crammd5", try await HashTools.doveadm("CRAM-MD5", Self.weakPassword)))
            let file = try sandbox.write(entries.map { "\($0.user)@example.com:\($0.entry)" }.joined(separator: "\n") + "\n", to: "passwd")
            let configPath = try sandbox.write(PasswdFileSetup.configuration(socketPath: sandbox.socketPath, backend: "path: \(file)"), to: "authmux.yaml")
            let checked = try await PasswdFileSetup.authmuxd(["check-config", "--config", configPath])
            #expect(checked.termination == .exited(0), "\(checked)")
            for (index, item) in entries.enumerated() {
                #expect(checked.stdout.contains("\(file):\(index + 1): user \"\(item.user)@example.com\""), "check-config names line \(index + 1): \(checked)")
            }
            #expect(!checked.output.contains(Self.weakPassword))
            try await PasswdFileSetup.run(sandbox, backend: "path: \(file)") { daemon in
                for item in entries {
                    let reply = try await PasswdFileSetup.check(daemon, item.user, Self.weakPassword)
                    #expect(reply == .answer("NO temporarily unavailable"), "weak \(item.user) refused: \(reply)")
                }
                try await daemon.waitForLog(containing: "refused (allow_weak_schemes: false)")
            }
        }
    }

    @Test func weakSchemesAcceptedWhenAllowed() async throws {
        try await Sandbox.with { sandbox in
            let entries = try await Self.weakEntries()
            let cram = try await HashTools.doveadm("CRAM-MD5", Self.weakPassword)
            let lines = entries.map { "\($0.user)@example.com:\($0.entry)" } + ["dove-crammd5@example.com:\(cram)"]
            let file = try sandbox.write(lines.joined(separator: "\n") + "\n", to: "passwd")
            try await PasswdFileSetup.run(sandbox, backend: "path: \(file), allow_weak_schemes: true") { daemon in
                for item in entries {
                    let right = try await PasswdFileSetup.check(daemon, item.user, Self.weakPassword)
                    #expect(right.isOK, "weak \(item.user) allowed: \(right)")
                    // Differs within the first eight bytes: DES crypt reads no further.
                    let wrong = try await PasswdFileSetup.check(daemon, item.user, "Wrong-weak 2")
                    #expect(wrong == .answer("NO authentication failed"), "weak \(item.user), wrong password: \(wrong)")
                }
                // CRAM-MD5 keeps only an HMAC state that a plain password check cannot use.
                let cramReply = try await PasswdFileSetup.check(daemon, "dove-crammd5", Self.weakPassword)
                #expect(cramReply == .answer("NO temporarily unavailable"), "CRAM-MD5: \(cramReply)")
            }
        }
    }
}
