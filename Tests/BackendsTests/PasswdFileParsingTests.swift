import AuthCore
import AuthWire
@testable import Backends
import Testing

/// The passwd-file format and the scheme rules, without a daemon: which lines count, which
/// are reported, how entries are classified, and that a rewrite touches only its line.
struct PasswdFileParsingTests {
    @Test func linesAreClassifiedAndUsersMatchedAsBytes() {
        let text = "# comment\n\n  \nalice@example.com:{SSHA}x:1000:1000:Alice:/home/a:/bin/sh:extra\nnocolon\n:{PLAIN}x\nempty:\ntab\tname:{PLAIN}x\nbob:$y$abc\r\nalice@example.com:{PLAIN}again\nJos\u{E9}:{PLAIN}nfc\nJose\u{301}:{PLAIN}nfd\n"
        let contents = PasswdFileContents.parse(Array(text.utf8))
        #expect(contents.malformed.map(\.line) == [5, 6, 7, 8])
        #expect(contents.entries[ByteString("alice@example.com")]?.password == Array("{SSHA}x".utf8))
        #expect(contents.entries[ByteString("bob")]?.password == Array("$y$abc".utf8), "a CRLF line ending is not part of the hash")
        #expect(contents.duplicates[ByteString("alice@example.com")] == [4, 10])
        // Canonically equivalent spellings are two users, as they are to every byte-oriented store.
        #expect(contents.entries[ByteString("Jos\u{E9}")]?.line == 11)
        #expect(contents.entries[ByteString("Jose\u{301}")]?.line == 12)
    }

    @Test func schemesAreJudgedByNameAndByCryptPrefix() {
        func scheme(_ field: String) -> PasswordScheme { StoredPassword(field: Array(field.utf8)).scheme }
        #expect(scheme("$y$j9T$abc$def").name == "yescrypt" && scheme("$y$j9T$abc$def").isModern)
        #expect(scheme("{CRYPT}$2y$05$abc").name == "BLF-CRYPT" && !scheme("{CRYPT}$2y$05$abc").isWeak)
        #expect(scheme("{SHA512-CRYPT}$1$abc$def").isWeak, "judged by what the entry is, not what it is called")
        #expect(scheme("$1$abc$def").name == "MD5-CRYPT" && scheme("$1$abc$def").isWeak)
        #expect(scheme("abcdefghijklm").name == "DES-CRYPT" && scheme("abcdefghijklm").isWeak)
        #expect(scheme("{ssha512.hex}00").name == "SSHA512" && !scheme("{ssha512.hex}00").isWeak)
        #expect(scheme("{CRAM-MD5}00").isWeak && scheme("{CRAM-MD5}00").method == .unsupported)
        #expect(scheme("{SSHA.rot13}00").method == .unsupported, "an unknown encoding is an unknown scheme, as in Dovecot")
        #expect(scheme("{PLAIN}x").isWeak && scheme("{PLAIN}x").method == .plain)
        // Only what costs one digest or less may be checked off the pool (SQL rows).
        for cheap in ["{PLAIN}x", "{SHA512}AA==", "{SSHA}AA==", "{PLAIN-MD5}00", "{CRAM-MD5}00"] {
            #expect(scheme(cheap).isCheap, "\(cheap)")
        }
        for costly in ["$y$j9T$abc$def", "{CRYPT}$2y$05$abc", "$6$abc$def", "abcdefghijklm", "{PBKDF2}$1$aa$5000$00", "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$aa$bb"] {
            #expect(!scheme(costly).isCheap, "\(costly)")
        }
    }

    @Test func plainAndDigestsVerifyInPureSwift() {
        struct NoLibrary: PasswordHashLibrary {
            func verifyCrypt(_ password: Secret, stored: [UInt8]) -> PasswordCheck { .corrupt(reason: "not here") }
            func verifyArgon2(_ password: Secret, encoded: [UInt8], variant: Argon2Variant) -> PasswordCheck { .corrupt(reason: "not here") }
        }
        let strict = PasswordVerifier(library: NoLibrary(), allowWeak: false)
        let lenient = PasswordVerifier(library: NoLibrary(), allowWeak: true)
        func check(_ verifier: PasswordVerifier, _ field: String, _ password: String) -> PasswordCheck {
            verifier.verify(Secret(password), against: StoredPassword(field: Array(field.utf8)))
        }
        #expect(check(strict, "{PLAIN}secret", "secret") == .refused(scheme: "PLAIN"))
        #expect(check(lenient, "{PLAIN}secret", "secret") == .match)
        #expect(check(lenient, "{PLAIN}secret", "secreT") == .mismatch)
        // sha256("password") in hex (Python's hashlib): read as hex from its length alone, as
        // Dovecot does when the name has no suffix.
        let sha = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
        #expect(check(strict, "{SHA256}\(sha)", "password") == .match)
        #expect(check(strict, "{SHA256}\(sha)", "passwore") == .mismatch)
        if case .corrupt = check(strict, "{SHA256}\(sha.dropLast(2))", "password") {} else { Issue.record("a cut digest is corrupt") }
        if case .corrupt = check(strict, "{PBKDF2}$1$salt$5000$abc", "x") {} else { Issue.record("a short PBKDF2 hash is corrupt") }
    }

    @Test func rewritingAnEntryKeepsEveryOtherByte() {
        var lines = PasswdFileLines(bytes: Array("# c\nalice:{SSHA}old:1:2::/home/a\n\nbroken line\nbob:{SSHA}b\n".utf8))
        let index = lines.index(ofUser: ByteString("alice"))
        #expect(index == 1)
        lines.setPasswordField(Array("{CRYPT}$y$new".utf8), at: index!)
        lines.append(user: ByteString("carol"), passwordField: Array("{SSHA}c".utf8))
        #expect(String(decoding: lines.bytes, as: UTF8.self) == "# c\nalice:{CRYPT}$y$new:1:2::/home/a\n\nbroken line\nbob:{SSHA}b\ncarol:{SSHA}c\n")
        #expect(lines.index(ofUser: ByteString("broken line")) == nil)
    }
}
