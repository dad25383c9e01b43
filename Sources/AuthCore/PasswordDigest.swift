/// HMAC-SHA-256 of a password under a random key of this process (`PasswordMAC`): what the
/// credential cache and the passwd-file backend keep instead of the password. A memory dump
/// shows only these 32 bytes, which cannot be reversed and, the key being random, cannot be
/// precomputed either.
///
/// Four words held inline, so an entry's digest never lives in a separately allocated buffer
/// that could outlive it.
package struct PasswordDigest: Sendable {
    private var w0, w1, w2, w3: UInt64

    /// `bytes` must be the 32 bytes of an HMAC-SHA-256.
    package init(bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count == 32, "HMAC-SHA-256 is 32 bytes")
        w0 = bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
        w1 = bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        w2 = bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
        w3 = bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
    }

    /// Every word is compared whatever the earlier ones held, so the time taken says nothing
    /// about where two digests differ.
    package func matches(_ other: PasswordDigest) -> Bool {
        ((w0 ^ other.w0) | (w1 ^ other.w1) | (w2 ^ other.w2) | (w3 ^ other.w3)) == 0
    }

    /// The raw bytes, for tests that check what the cache holds.
    package var bytes: [UInt8] {
        withUnsafeBytes(of: self) { Array($0) }
    }
}
