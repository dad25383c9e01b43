import AuthWire
import AuthCore
import CArgon2

/// Argon2 through the reference library (libargon2). Blocking, CPU- and memory-heavy: call
/// only from a backend's thread pool or a command-line tool.
enum LibArgon2 {
    static func type(of variant: Argon2Variant) -> argon2_type {
        switch variant {
        case .i: return Argon2_i
        case .id: return Argon2_id
        }
    }

    /// Verifies against an encoded string; the library compares in constant time.
    static func verify(_ password: Secret, encoded: [UInt8], variant: Argon2Variant) -> PasswordCheck {
        guard !encoded.contains(0) else { return .corrupt(reason: "Argon2 entry holds a NUL byte") }
        let status = password.withUnsafeBytes { bytes in
            (encoded + [0]).withUnsafeBufferPointer { text in
                text.withMemoryRebound(to: CChar.self) { chars in
                    argon2_verify(chars.baseAddress!, bytes.baseAddress, bytes.count, type(of: variant))
                }
            }
        }
        switch status {
        case ARGON2_OK.rawValue: return .match
        case ARGON2_VERIFY_MISMATCH.rawValue: return .mismatch
        default: return .corrupt(reason: "libargon2: \(String(cString: argon2_error_message(status)))")
        }
    }

    /// An encoded Argon2 string for `password`: 3 passes over 64 MiB, one lane, 16-byte salt,
    /// 32-byte hash (the parameters `doveadm pw -s ARGON2ID` writes, give or take the cost).
    static func hash(_ password: Secret, variant: Argon2Variant) -> [UInt8]? {
        let passes: UInt32 = 3, memoryKiB: UInt32 = 65536, lanes: UInt32 = 1, hashLength = 32
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let length = argon2_encodedlen(passes, memoryKiB, lanes, UInt32(salt.count), UInt32(hashLength), type(of: variant))
        var encoded = [CChar](repeating: 0, count: length)
        let status = password.withUnsafeBytes { bytes in
            encoded.withUnsafeMutableBufferPointer { out in
                argon2_hash(
                    passes, memoryKiB, lanes, bytes.baseAddress, bytes.count, salt, salt.count, nil, hashLength,
                    out.baseAddress, out.count, type(of: variant), ARGON2_VERSION_13.rawValue)
            }
        }
        guard status == ARGON2_OK.rawValue else { return nil }
        return encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    }
}
