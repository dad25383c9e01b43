import AuthCore
import AuthWire
import Crypto
import Testing

/// `PasswordMAC` composes HMAC-SHA-256 from SHA-256 itself: it must give exactly what
/// swift-crypto's `HMAC` gives for the password followed by its block of zeros, for every
/// length around SHA-256's block boundaries and for keys shorter than, as long as, and longer
/// than a block (a longer key is hashed first).
@Suite("Password MAC")
struct PasswordMACTests {
    static let passwordLengths = Array(0...130) + [191, 192, 193, 255, 256]

    @Test(arguments: [16, 32, 64, 65, 100])
    func matchesSwiftCryptosHMAC(keyBytes: Int) {
        let key = SymmetricKey(size: SymmetricKeySize(bitCount: keyBytes * 8))
        let mac = PasswordMAC(key: key)
        var mismatched: [Int] = []
        for length in Self.passwordLengths {
            let password = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let expected = Array(HMAC<SHA256>.authenticationCode(for: password + [UInt8](repeating: 0, count: 64), using: key))
            let digest = password.withUnsafeBytes { mac.digest(of: Secret(copying: $0)) }
            if digest.bytes != expected { mismatched.append(length) }
        }
        #expect(mismatched.isEmpty, "password lengths whose digest differs from HMAC-SHA-256: \(mismatched)")
    }

    /// The same MAC is a function of the key: two keys never give the same digest of the same
    /// password, and one key always does.
    @Test func theDigestDependsOnTheKey() {
        let first = PasswordMAC(key: SymmetricKey(size: .bits256))
        let second = PasswordMAC(key: SymmetricKey(size: .bits256))
        let password = Secret("correct horse")
        #expect(first.digest(of: password).matches(first.digest(of: password)))
        #expect(!first.digest(of: password).matches(second.digest(of: password)))
        #expect(!first.digest(of: password).matches(first.digest(of: Secret("correct horsf"))))
    }
}
