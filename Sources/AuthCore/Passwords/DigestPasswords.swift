public import AuthWire
import Crypto
import CryptoExtras
import Foundation

/// The schemes swift-crypto computes: salted and plain digests and Dovecot's PBKDF2. Pure
/// Swift, no C, so they live beside the scheme rules; still CPU work, run by a store on its
/// own thread pool like the others.
public enum DigestPasswords {
    /// digest(password ‖ salt).
    public static func digest(_ algorithm: DigestAlgorithm, password: Secret, salt: UnsafeRawBufferPointer) -> [UInt8] {
        password.withUnsafeBytes { bytes in
            switch algorithm {
            case .md5: return run(Insecure.MD5.self, bytes, salt)
            case .sha1: return run(Insecure.SHA1.self, bytes, salt)
            case .sha256: return run(SHA256.self, bytes, salt)
            case .sha512: return run(SHA512.self, bytes, salt)
            }
        }
    }

    private static func run<H: HashFunction>(_: H.Type, _ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer) -> [UInt8] {
        var hasher = H()
        hasher.update(bufferPointer: first)
        hasher.update(bufferPointer: second)
        let digest = Array(hasher.finalize())
        // The hasher's context still holds the last partial block of password ‖ salt; the zeros
        // go after the digest is taken, as they would change it. swift-crypto asks not to update
        // after `finalize`; on Linux `finalize` works on a copy of the context and leaves it
        // usable, and FreedMemoryTests would see the password again if that changed.
        hasher.updateWithZeroBlock()
        return digest
    }

    /// Dovecot's PBKDF2 (password-scheme-pbkdf2.c): PBKDF2-HMAC-SHA1 of the password with the
    /// salt's text as salt, `rounds` iterations, 20 bytes, written as lowercase hex.
    public static func pbkdf2(password: Secret, salt: [UInt8], rounds: Int) -> [UInt8]? {
        password.withUnsafeBytes { bytes in
            guard let key = try? KDF.Insecure.PBKDF2.deriveKey(
                from: bytes, salt: salt, using: .insecureSHA1, outputByteCount: 20, unsafeUncheckedRounds: rounds)
            else { return nil }
            return key.withUnsafeBytes { Array($0) }
        }
    }

    /// Parses Dovecot's `$1$salt$rounds$hexhash`: salt, rounds and the 20 key bytes.
    public static func parsePBKDF2(_ payload: [UInt8]) -> (salt: [UInt8], rounds: Int, key: [UInt8])? {
        guard payload.starts(with: Array("$1$".utf8)) else { return nil }
        let fields = payload.dropFirst(3).split(separator: UInt8(ascii: "$"), omittingEmptySubsequences: false)
        guard fields.count == 3,
              let rounds = Int(String(decoding: fields[1], as: UTF8.self)), rounds > 0, rounds <= 100_000_000,
              fields[2].count == 40, let key = HashText.hexDecode(Array(fields[2]))
        else { return nil }
        return (Array(fields[0]), rounds, key)
    }
}
