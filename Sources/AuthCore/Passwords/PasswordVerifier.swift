public import AuthWire

/// Checks a password against a stored entry of any scheme, under one policy for weak schemes.
/// Every comparison of computed and stored bytes is constant-time (`ConstantTime`); the
/// libraries behind crypt(3) and Argon2 compare their own way (see `PasswordHashLibrary`).
///
/// CPU-heavy by design (yescrypt, bcrypt and Argon2 cost milliseconds and megabytes): call it
/// only from a store's own bounded thread pool, never on an event loop or an accept thread —
/// unless the entry's scheme `isCheap` (clear text or one digest, microseconds at most).
public struct PasswordVerifier: Sendable {
    public var library: any PasswordHashLibrary
    public var allowWeak: Bool

    public init(library: any PasswordHashLibrary, allowWeak: Bool) {
        self.library = library
        self.allowWeak = allowWeak
    }

    public func verify(_ password: Secret, against stored: StoredPassword) -> PasswordCheck {
        let scheme = stored.scheme
        if scheme.isWeak && !allowWeak { return .refused(scheme: scheme.name) }
        switch scheme.method {
        case .crypt:
            // Dovecot's crypt_verify: an empty hash would let crypt(3) "match" nothing sensibly.
            guard !stored.payload.isEmpty else { return .corrupt(reason: "empty \(scheme.name) hash") }
            return library.verifyCrypt(password, stored: stored.payload)
        case .argon2(let variant):
            guard stored.payload.starts(with: Array("$\(variant.rawValue)$".utf8)) else {
                return .corrupt(reason: "\(scheme.name) entry does not start with $\(variant.rawValue)$")
            }
            return library.verifyArgon2(password, encoded: stored.payload, variant: variant)
        case .pbkdf2:
            guard let parsed = DigestPasswords.parsePBKDF2(stored.payload) else {
                return .corrupt(reason: "PBKDF2 entry is not $1$salt$rounds$40-hex-digits")
            }
            guard let key = DigestPasswords.pbkdf2(password: password, salt: parsed.salt, rounds: parsed.rounds) else {
                return .corrupt(reason: "PBKDF2 could not be computed")
            }
            return Self.same(key, parsed.key)
        case .salted(let algorithm):
            guard let raw = HashText.decode(stored.payload, as: stored.encoding) else {
                return .corrupt(reason: "\(scheme.name) entry is not valid \(stored.encoding == .hex ? "hex" : "base64")")
            }
            guard raw.count > algorithm.byteCount else { return .corrupt(reason: "\(scheme.name) entry is too short to hold a salt") }
            let computed = raw[algorithm.byteCount...].withUnsafeBytes { salt in
                DigestPasswords.digest(algorithm, password: password, salt: salt)
            }
            return Self.same(computed, Array(raw[..<algorithm.byteCount]))
        case .digest(let algorithm):
            var encoding = stored.encoding
            // password_decode: without a suffix, a text exactly twice the digest's length is hex.
            if !stored.encodingWasNamed && stored.payload.count == algorithm.byteCount * 2 { encoding = .hex }
            guard let raw = HashText.decode(stored.payload, as: encoding), raw.count == algorithm.byteCount else {
                return .corrupt(reason: "\(scheme.name) entry is not a \(algorithm.byteCount)-byte digest")
            }
            let computed = DigestPasswords.digest(algorithm, password: password, salt: UnsafeRawBufferPointer(start: nil, count: 0))
            return Self.same(computed, raw)
        case .plain:
            let matches = stored.payload.withUnsafeBytes { password.constantTimeEquals($0) }
            return matches ? .match : .mismatch
        case .unsupported:
            return .unsupported(scheme: scheme.name)
        }
    }

    private static func same(_ a: [UInt8], _ b: [UInt8]) -> PasswordCheck {
        let equal = a.withUnsafeBytes { x in b.withUnsafeBytes { y in ConstantTime.equals(x, y) } }
        return equal ? .match : .mismatch
    }
}
