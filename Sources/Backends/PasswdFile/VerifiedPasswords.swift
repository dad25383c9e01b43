import AuthCore
import AuthWire
import Crypto
import Foundation
import NIOConcurrencyHelpers

/// The last password that verified for each user, as an HMAC under a random key, tied to the
/// exact entry it verified against.
///
/// The credential cache forgets everything a backend told it whenever that backend's store
/// changes (`storeGeneration`), which for a passwd-file means any edit to any user. This keeps
/// one user's edit from costing every other user a fresh yescrypt or Argon2 run: an entry whose
/// password field is unchanged still knows its verified password, and the check is answered
/// without a thread hop. A changed field (a new password, a rehash) never matches an old memo.
/// The HMAC key lives only in this process, so the table cannot be turned back into passwords.
final class VerifiedPasswords: Sendable {
    private struct Key: Hashable {
        var path: String
        var user: ByteString
    }

    private struct Memo {
        var field: [UInt8]
        var mac: PasswordDigest
    }

    /// Through `PasswordMAC`, which leaves nothing of the password in the freed SHA-256 contexts
    /// (swift-crypto's `HMAC.authenticationCode` left its last partial block there).
    private let mac = PasswordMAC(key: SymmetricKey(size: .bits256))
    private let table = NIOLockedValueBox<[Key: Memo]>([:])
    /// Past this many users the table starts over: memory stays bounded, and the worst case is
    /// one more hash per user.
    static let capacity = 100_000

    func remember(path: String, user: ByteString, field: [UInt8], password: Secret) {
        let digest = mac.digest(of: password)
        table.withLockedValue { table in
            if table.count >= Self.capacity { table.removeAll(keepingCapacity: true) }
            table[Key(path: path, user: user)] = Memo(field: field, mac: digest)
        }
    }

    /// True when `password` verified against exactly this `field` before. Constant-time in the
    /// comparison of both the field and the MAC.
    func matches(path: String, user: ByteString, field: [UInt8], password: Secret) -> Bool {
        guard let memo = table.withLockedValue({ $0[Key(path: path, user: user)] }) else { return false }
        let sameField = memo.field.withUnsafeBytes { a in field.withUnsafeBytes { b in ConstantTime.equals(a, b) } }
        return memo.mac.matches(mac.digest(of: password)) && sameField
    }

    func forget(path: String, user: ByteString) {
        _ = table.withLockedValue { $0.removeValue(forKey: Key(path: path, user: user)) }
    }

    func removeAll() {
        table.withLockedValue { $0.removeAll() }
    }
}
