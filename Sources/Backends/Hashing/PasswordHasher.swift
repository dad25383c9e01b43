public import AuthWire
import AuthCore

/// Writes a password entry in one scheme: the `{SCHEME}…` text a passwd-file line holds.
///
/// Blocking and CPU-heavy for the crypt and Argon2 schemes: the daemon calls it only on the
/// passwd-file backend's own pool (for `rehash`), the tool on its own thread.
public enum PasswordHasher {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public static func hash(_ password: Secret, scheme: HashingScheme) throws(Failure) -> String {
        switch scheme {
        case .yescrypt: return "{CRYPT}" + (try crypt(password, prefix: "$y$"))
        // libxcrypt's default bcrypt cost is 5 (32 rounds), chosen for old hardware; 12 is
        // what current guidance and htpasswd -B's users expect.
        case .bcrypt: return "{BLF-CRYPT}" + (try crypt(password, prefix: "$2b$", cost: 12))
        case .sha512Crypt: return "{SHA512-CRYPT}" + (try crypt(password, prefix: "$6$"))
        case .sha256Crypt: return "{SHA256-CRYPT}" + (try crypt(password, prefix: "$5$"))
        case .argon2id, .argon2i:
            let variant: Argon2Variant = scheme == .argon2id ? .id : .i
            guard let encoded = LibArgon2.hash(password, variant: variant) else { throw Failure(description: "libargon2 could not hash") }
            return "{\(scheme.rawValue)}" + String(decoding: encoded, as: UTF8.self)
        case .pbkdf2:
            // Dovecot's format; its salt alphabet, 16 characters. Rounds above Dovecot's 5000
            // default: the entry carries its own count, so any reader verifies it.
            let alphabet = Array("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
            var generator = SystemRandomNumberGenerator()
            let salt = (0..<16).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
            let rounds = 100_000
            guard let key = DigestPasswords.pbkdf2(password: password, salt: salt, rounds: rounds) else {
                throw Failure(description: "PBKDF2 failed")
            }
            return "{PBKDF2}$1$\(String(decoding: salt, as: UTF8.self))$\(rounds)$\(HashText.hex(key))"
        case .ssha512: return salted(password, .sha512, name: "SSHA512")
        case .ssha256: return salted(password, .sha256, name: "SSHA256")
        case .ssha: return salted(password, .sha1, name: "SSHA")
        case .sha512:
            return "{SHA512}" + HashText.base64(DigestPasswords.digest(.sha512, password: password, salt: UnsafeRawBufferPointer(start: nil, count: 0)))
        case .sha256:
            return "{SHA256}" + HashText.base64(DigestPasswords.digest(.sha256, password: password, salt: UnsafeRawBufferPointer(start: nil, count: 0)))
        }
    }

    private static func crypt(_ password: Secret, prefix: String, cost: UInt = 0) throws(Failure) -> String {
        guard let setting = Libxcrypt.gensalt(prefix: prefix, cost: cost) else {
            throw Failure(description: "libxcrypt cannot make a \(prefix) setting on this host")
        }
        guard let hashed = Libxcrypt.crypt(password, setting: setting) else {
            throw Failure(description: "crypt(3) refused the password (a NUL byte?)")
        }
        return String(decoding: hashed, as: UTF8.self)
    }

    /// digest(password ‖ salt) ‖ salt, base64: eight random salt bytes (Dovecot writes four;
    /// every reader takes whatever follows the digest as salt).
    private static func salted(_ password: Secret, _ algorithm: DigestAlgorithm, name: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<8).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let digest = salt.withUnsafeBytes { DigestPasswords.digest(algorithm, password: password, salt: $0) }
        return "{\(name)}" + HashText.base64(digest + salt)
    }
}
