/// One password scheme as authmux recognises it: Dovecot's `{NAME}` prefixes, and crypt(3)
/// strings told apart by their `$id$` prefix.
///
/// Whether a scheme is weak is decided here, once, for every store that keeps hashes (the
/// passwd-file today, SQL later), so that `allow_weak_schemes` means the same everywhere.
public struct PasswordScheme: Sendable, Equatable {
    /// How a password is checked against an entry of this scheme.
    public enum Method: Sendable, Equatable {
        /// crypt(3) through the host's libxcrypt (the entry is its own setting).
        case crypt
        case argon2(Argon2Variant)
        /// Dovecot's `$1$salt$rounds$hexhash`: PBKDF2-HMAC-SHA1, 20-byte key.
        case pbkdf2
        /// digest(password + salt) followed by the salt (`{SSHA}` and friends).
        case salted(DigestAlgorithm)
        /// digest(password) alone.
        case digest(DigestAlgorithm)
        /// The password itself.
        case plain
        /// Recognised or not, authmux cannot verify it (CRAM-MD5's HMAC context, SCRAM, NTLM).
        case unsupported
    }

    /// The name shown in logs and by check-config: Dovecot's name, or the crypt family.
    public var name: String
    public var method: Method
    /// Refused unless the backend says `allow_weak_schemes: true`: clear text, unsalted or
    /// fast digests of the MD5/SHA-1 family, DES and MD5 crypt, and anything unknown.
    public var isWeak: Bool
    /// A memory- or cost-hard scheme (yescrypt, scrypt, bcrypt, Argon2) that `rehash` leaves
    /// alone; every other scheme that verifies is rewritten when `rehash` is on.
    public var isModern: Bool
    /// Whether checking a password against this scheme costs a single digest or less (clear
    /// text, one MD5/SHA pass, salted or not, or a refusal), so a store may verify it where the
    /// entry arrived instead of handing it to its thread pool. crypt(3), Argon2 and PBKDF2 are
    /// never cheap: their cost is set by the entry, up to seconds.
    public var isCheap: Bool {
        switch method {
        case .plain, .digest, .salted, .unsupported: return true
        case .crypt, .argon2, .pbkdf2: return false
        }
    }

    /// How digest bytes are spelled when the name carries no `.b64` / `.hex` suffix.
    public var defaultEncoding: HashEncoding

    public init(name: String, method: Method, isWeak: Bool, isModern: Bool = false, defaultEncoding: HashEncoding = .none) {
        self.name = name
        self.method = method
        self.isWeak = isWeak
        self.isModern = isModern
        self.defaultEncoding = defaultEncoding
    }

    /// The scheme Dovecot means by `name` (upper case, without an encoding suffix). Crypt
    /// names (`CRYPT`, `SHA512-CRYPT`, `BLF-CRYPT`…) all go to crypt(3), which reads the
    /// entry's own prefix; what the entry really is then decides weakness (see `crypt(_:)`),
    /// so `{SHA512-CRYPT}$1$…` is judged as the MD5 crypt it is.
    static func named(_ name: String, payload: [UInt8]) -> PasswordScheme {
        switch name {
        case "CRYPT", "SHA512-CRYPT", "SHA256-CRYPT", "BLF-CRYPT", "MD5-CRYPT", "DES-CRYPT":
            return crypt(payload)
        case "MD5":
            // Dovecot's MD5 is MD5-CRYPT when the entry looks like one, PLAIN-MD5 otherwise.
            if payload.starts(with: Array("$1$".utf8)) { return crypt(payload) }
            return PasswordScheme(name: "MD5", method: .digest(.md5), isWeak: true, defaultEncoding: .hex)
        case "ARGON2I": return PasswordScheme(name: name, method: .argon2(.i), isWeak: false, isModern: true)
        case "ARGON2ID": return PasswordScheme(name: name, method: .argon2(.id), isWeak: false, isModern: true)
        case "PBKDF2": return PasswordScheme(name: name, method: .pbkdf2, isWeak: false)
        case "SSHA": return PasswordScheme(name: name, method: .salted(.sha1), isWeak: false, defaultEncoding: .base64)
        case "SSHA256": return PasswordScheme(name: name, method: .salted(.sha256), isWeak: false, defaultEncoding: .base64)
        case "SSHA512": return PasswordScheme(name: name, method: .salted(.sha512), isWeak: false, defaultEncoding: .base64)
        case "SHA256": return PasswordScheme(name: name, method: .digest(.sha256), isWeak: false, defaultEncoding: .base64)
        case "SHA512": return PasswordScheme(name: name, method: .digest(.sha512), isWeak: false, defaultEncoding: .base64)
        case "SHA", "SHA1": return PasswordScheme(name: name, method: .digest(.sha1), isWeak: true, defaultEncoding: .base64)
        case "SMD5": return PasswordScheme(name: name, method: .salted(.md5), isWeak: true, defaultEncoding: .base64)
        case "PLAIN-MD5": return PasswordScheme(name: name, method: .digest(.md5), isWeak: true, defaultEncoding: .hex)
        case "LDAP-MD5": return PasswordScheme(name: name, method: .digest(.md5), isWeak: true, defaultEncoding: .base64)
        case "PLAIN", "CLEAR", "CLEARTEXT": return PasswordScheme(name: name, method: .plain, isWeak: true)
        default:
            // CRAM-MD5, DIGEST-MD5, NTLM, LANMAN, PLAIN-TRUNC, SCRAM-*, typos: nothing authmux
            // can verify, and nothing it should pretend to judge as strong.
            return PasswordScheme(name: name, method: .unsupported, isWeak: true)
        }
    }

    /// A crypt(3) string judged by its prefix, as libxcrypt itself dispatches.
    static func crypt(_ payload: [UInt8]) -> PasswordScheme {
        func has(_ prefix: String) -> Bool { payload.starts(with: Array(prefix.utf8)) }
        let modern: [(prefix: String, name: String)] = [
            ("$y$", "yescrypt"), ("$gy$", "gost-yescrypt"), ("$7$", "scrypt"),
            ("$2b$", "BLF-CRYPT"), ("$2y$", "BLF-CRYPT"), ("$2a$", "BLF-CRYPT"),
        ]
        for family in modern where has(family.prefix) {
            return PasswordScheme(name: family.name, method: .crypt, isWeak: false, isModern: true)
        }
        if has("$6$") { return PasswordScheme(name: "SHA512-CRYPT", method: .crypt, isWeak: false) }
        if has("$5$") { return PasswordScheme(name: "SHA256-CRYPT", method: .crypt, isWeak: false) }
        if has("$1$") { return PasswordScheme(name: "MD5-CRYPT", method: .crypt, isWeak: true) }
        if has("$") || has("_") { return PasswordScheme(name: "CRYPT (legacy or unknown prefix)", method: .crypt, isWeak: true) }
        return PasswordScheme(name: "DES-CRYPT", method: .crypt, isWeak: true)
    }
}
