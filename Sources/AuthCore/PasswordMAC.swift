package import AuthWire
package import Crypto

/// HMAC-SHA-256 of passwords under one key, for what must remember a password without holding
/// it: the credential cache, and the passwd-file backend's memo of passwords that verified.
///
/// The HMAC is composed here from swift-crypto's SHA-256 (RFC 2104: the hash of the key's
/// outer pad and of the hash of its inner pad and the message), starting each digest from
/// copies of the two pads absorbed once. swift-crypto's own `HMAC` gives the same bytes (a test
/// compares them), but it is generic and not inlinable, so from another module every call went
/// through runtime generic metadata and witness tables: about 10,000 of the 47,500
/// instructions of a credential-cache hit (callgrind), against about 6,000 for the hashing.
package struct PasswordMAC: Sendable {
    private let inner: SHA256
    private let outer: SHA256

    /// SHA-256's block: the size of an HMAC pad.
    private static let block = SHA256.blockByteCount

    package init(key: SymmetricKey) {
        // A key longer than a block is hashed first; a shorter one is padded with zeros.
        var padded = [UInt8](repeating: 0, count: Self.block)
        key.withUnsafeBytes { bytes in
            if bytes.count > Self.block {
                SHA256.hash(data: bytes).withUnsafeBytes { padded.replaceSubrange(0..<$0.count, with: $0) }
            } else {
                padded.replaceSubrange(0..<bytes.count, with: bytes)
            }
        }
        inner = Self.absorbing(padded, xor: 0x36)
        outer = Self.absorbing(padded, xor: 0x5c)
        // The pads are the key in disguise: nothing of them stays behind in this array.
        padded.withUnsafeMutableBytes { Secret.wipe($0) }
    }

    private static func absorbing(_ key: [UInt8], xor pad: UInt8) -> SHA256 {
        var hash = SHA256()
        var block = key.map { $0 ^ pad }
        block.withUnsafeBytes { hash.update(bufferPointer: $0) }
        block.withUnsafeMutableBytes { Secret.wipe($0) }
        return hash
    }

    /// The digest of `password` followed by a block of zeros (`updateWithZeroBlock`), hashed
    /// before the inner hash is finalized, so that the context and its copies on the stack hold
    /// zeros, not the password's tail. A digest only has to match other digests of the same key,
    /// so the zeros change nothing else.
    package func digest(of password: Secret) -> PasswordDigest {
        var hash = inner
        password.withUnsafeBytes { hash.update(bufferPointer: $0) }
        hash.updateWithZeroBlock()
        var mac = outer
        hash.finalize().withUnsafeBytes { mac.update(bufferPointer: $0) }
        return mac.finalize().withUnsafeBytes { PasswordDigest(bytes: $0) }
    }
}
