package import Crypto

extension HashFunction {
    /// Hashes one block of zeros, which leaves only zeros in the context's buffer for a partial
    /// block.
    ///
    /// SHA-256 and its kin keep the last partial block of their input in their context, and
    /// swift-crypto 4.5.2 frees that context without wiping it: its `zeroize()` clears
    /// `MemoryLayout.size(ofValue: Pointee.self)` bytes, the size of a metatype, which is 0. So
    /// whatever hashed a password hashes this block after it, before the context is freed.
    package mutating func updateWithZeroBlock() {
        withUnsafeTemporaryAllocation(byteCount: Self.blockByteCount, alignment: 1) { zeros in
            zeros.initializeMemory(as: UInt8.self, repeating: 0)
            update(bufferPointer: UnsafeRawBufferPointer(zeros))
        }
    }
}
