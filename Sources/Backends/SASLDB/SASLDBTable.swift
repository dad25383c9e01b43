import AuthWire
#if canImport(Glibc)
import Glibc
#endif

/// Every `userPassword` entry of one sasldb file, packed into one buffer with an open-addressing
/// index: about 6 bytes of header plus the key and password bytes per user, and 4 to 8 bytes of
/// index, instead of a dictionary of arrays and `Secret`s (three heap blocks and some 200 bytes
/// per user). One large buffer is also given back to the system whole when the copy goes,
/// where a million small blocks would leave the heap fragmented and the RSS where it was.
///
/// Records are `keyLength (UInt16) · passwordLength (UInt32) · key · password`; the index holds
/// each record's offset + 1 (0 is an empty slot), found by hashing the key with the process's
/// seeded hasher. The buffer holds passwords: it is wiped before it is freed, and so is every
/// buffer left behind while it grew.
final class SASLDBTable: @unchecked Sendable {
    // Immutable after init; only deinit writes to it, when no other reference exists. Its
    // first `used` bytes are the records; the rest was never touched (see `Builder`).
    private let storage: UnsafeMutableRawBufferPointer
    private let used: Int
    private let slots: [UInt32]
    let count: Int

    static let headerSize = 6

    private init(storage: UnsafeMutableRawBufferPointer, used: Int, slots: [UInt32], count: Int) {
        self.storage = storage
        self.used = used
        self.slots = slots
        self.count = count
    }

    deinit {
        Secret.wipe(UnsafeMutableRawBufferPointer(rebasing: storage[0..<used]))
        storage.deallocate()
    }

    /// Bytes this table holds (records and index), for the log and the README's figures.
    var footprint: Int { used + slots.count * MemoryLayout<UInt32>.size }

    /// Calls `body` with the password stored under `key` (nil when there is none); the bytes are
    /// valid only during the call.
    func withPassword<R>(for key: SASLDBKey, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
        key.bytes.bytes.withUnsafeBytes { wanted in
            guard !slots.isEmpty else { return body(nil) }
            let mask = slots.count - 1
            var index = Self.hash(wanted) & mask
            while slots[index] != 0 {
                let offset = Int(slots[index] - 1)
                let keyLength = Int(storage.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
                let keyStart = offset + Self.headerSize
                // memcmp: the generic elementsEqual went byte by byte, about 500 instructions a key.
                // (The key is the user's name, not a secret: no constant time needed.)
                if keyLength == wanted.count, keyLength == 0 || memcmp(storage.baseAddress! + keyStart, wanted.baseAddress!, keyLength) == 0 {
                    let passwordLength = Int(storage.loadUnaligned(fromByteOffset: offset + 2, as: UInt32.self))
                    let start = keyStart + keyLength
                    return body(UnsafeRawBufferPointer(rebasing: storage[start..<start + passwordLength]))
                }
                index = (index + 1) & mask
            }
            return body(nil)
        }
    }

    static func hash(_ bytes: UnsafeRawBufferPointer) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: bytes)
        return hasher.finalize()
    }

    /// Appends records as the cursor hands them over, then indexes them. A class, so a read that
    /// fails half-way still wipes what it had gathered (deinit).
    ///
    /// The buffer is sized from the file at the start: the records (keys and passwords without
    /// the database's pages, hash buckets and other properties) never fill it, it is rarely
    /// grown, and it becomes the table as it is, without the copy that would hold the users
    /// twice. What stays unwritten past the records costs address space, not memory: a large
    /// allocation is mapped pages that become resident only when written.
    final class Builder {
        private var buffer: UnsafeMutableRawBufferPointer
        private var used = 0
        private var offsets: [UInt32] = []
        private var handedOver = false

        init(capacity: Int) {
            buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(capacity, 1 << 16), alignment: 8)
        }

        /// A key longer than 64 KiB, or a buffer past 4 GiB, is not kept (saslpasswd2 writes
        /// neither); a later duplicate of a key cannot occur in one Berkeley DB file.
        func append(key: UnsafeRawBufferPointer, password: UnsafeRawBufferPointer) {
            let size = SASLDBTable.headerSize + key.count + password.count
            guard key.count <= Int(UInt16.max), used + size < Int(UInt32.max) else { return }
            if used + size > buffer.count { grow(to: used + size) }
            buffer.storeBytes(of: UInt16(key.count), toByteOffset: used, as: UInt16.self)
            buffer.storeBytes(of: UInt32(password.count), toByteOffset: used + 2, as: UInt32.self)
            let keyStart = used + SASLDBTable.headerSize
            if key.count > 0 { (buffer.baseAddress! + keyStart).copyMemory(from: key.baseAddress!, byteCount: key.count) }
            if password.count > 0 { (buffer.baseAddress! + keyStart + key.count).copyMemory(from: password.baseAddress!, byteCount: password.count) }
            offsets.append(UInt32(used))
            used += size
        }

        /// Doubles the buffer, wiping the one left behind.
        private func grow(to needed: Int) {
            var capacity = buffer.count
            while capacity < needed { capacity *= 2 }
            let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 8)
            larger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: used)
            Secret.wipe(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<used]))
            buffer.deallocate()
            buffer = larger
        }

        /// The table: the buffer handed over as it is, indexed with at most 3/4 of the slots
        /// full. Call once.
        func finish() -> SASLDBTable {
            let storage = buffer
            handedOver = true
            var size = 1
            while size * 3 < offsets.count * 4 + 4 { size *= 2 }
            var slots = [UInt32](repeating: 0, count: offsets.isEmpty ? 0 : size)
            let mask = size - 1
            for offset in offsets {
                let start = Int(offset)
                let keyLength = Int(storage.loadUnaligned(fromByteOffset: start, as: UInt16.self))
                let key = UnsafeRawBufferPointer(rebasing: storage[(start + SASLDBTable.headerSize)..<(start + SASLDBTable.headerSize + keyLength)])
                var index = SASLDBTable.hash(key) & mask
                while slots[index] != 0 { index = (index + 1) & mask }
                slots[index] = offset + 1
            }
            return SASLDBTable(storage: storage, used: used, slots: slots, count: offsets.count)
        }

        deinit {
            guard !handedOver else { return }
            Secret.wipe(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<used]))
            buffer.deallocate()
        }
    }
}
