public import AuthWire

/// The schemes that need a C library: crypt(3) (libxcrypt) and Argon2 (libargon2).
///
/// AuthCore stays free of C (shared/DESIGN.md, "Parts"): the Backends target provides the
/// implementation and owns those blocking calls, and the shared scheme logic here calls them
/// through this seam.
public protocol PasswordHashLibrary: Sendable {
    /// crypt(3) of `password` with `stored` as the setting, compared in constant time with
    /// `stored`. `.corrupt` when the library refuses the setting or the result cannot be the
    /// stored string (a truncated hash).
    func verifyCrypt(_ password: Secret, stored: [UInt8]) -> PasswordCheck

    /// Checks `password` against an encoded Argon2 string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`).
    func verifyArgon2(_ password: Secret, encoded: [UInt8], variant: Argon2Variant) -> PasswordCheck
}
