public import AuthWire
public import AuthCore

/// crypt(3) and Argon2 for the shared scheme logic (`PasswordVerifier`), through the host's
/// libxcrypt and libargon2.
public struct SystemPasswordHashes: PasswordHashLibrary {
    public init() {}

    public func verifyCrypt(_ password: Secret, stored: [UInt8]) -> PasswordCheck {
        guard let computed = Libxcrypt.crypt(password, setting: stored) else {
            return .corrupt(reason: "crypt(3) refused the entry's setting")
        }
        // crypt(3) with an intact entry as setting rebuilds an entry of the same length; a
        // different length means the stored hash was cut or extended, which no password fixes.
        guard computed.count == stored.count else { return .corrupt(reason: "crypt hash has the wrong length for its setting") }
        let equal = computed.withUnsafeBytes { a in stored.withUnsafeBytes { b in ConstantTime.equals(a, b) } }
        return equal ? .match : .mismatch
    }

    public func verifyArgon2(_ password: Secret, encoded: [UInt8], variant: Argon2Variant) -> PasswordCheck {
        LibArgon2.verify(password, encoded: encoded, variant: variant)
    }
}
