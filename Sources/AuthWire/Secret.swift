#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A password (or any other secret) held in memory that this type alone owns.
///
/// Swift arrays and strings are copied freely and never wiped, so a password that travels as
/// `[UInt8]` leaves copies behind in freed memory. `Secret` keeps the bytes in one manually
/// allocated buffer, hands them out only inside closures, wipes them when the last reference
/// goes away, and prints as `<redacted>` so it cannot end up in a log line by accident.
public final class Secret: @unchecked Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    // Immutable after init; only deinit writes to it, when no other reference exists.
    private let storage: UnsafeMutableRawBufferPointer

    /// `count` bytes of storage, filled by `fill` (which must write all of them).
    private init(count: Int, fill: (UnsafeMutableRawBufferPointer) -> Void) {
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 1)
        self.count = count
        fill(UnsafeMutableRawBufferPointer(rebasing: storage[0..<count]))
    }

    /// Copies `bytes` into the secret's own storage. The caller remains responsible for wiping
    /// its source buffer.
    public convenience init(copying bytes: UnsafeRawBufferPointer) {
        self.init(count: bytes.count) { destination in
            if bytes.count > 0 { destination.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
        }
    }

    /// Convenience for tests and command-line input. The caller's own sequence is not wiped; the
    /// temporary array made here is, once copied. The copy is made inside `withUnsafeBytes`: its
    /// pointer is valid only there.
    public convenience init<Bytes: Sequence>(bytes: Bytes) where Bytes.Element == UInt8 {
        var temporary = Array(bytes)
        self.init(count: temporary.count) { destination in
            temporary.withUnsafeMutableBytes { source in
                if source.count > 0 { destination.baseAddress!.copyMemory(from: source.baseAddress!, byteCount: source.count) }
                Secret.wipe(source)
            }
        }
    }

    /// The UTF-8 view goes to `init(bytes:)` as it is: an array made here would be a second
    /// temporary copy, shared with the one there and so left unwiped.
    public convenience init(_ string: String) {
        self.init(bytes: string.utf8)
    }

    /// Number of bytes in the secret.
    public let count: Int

    public var isEmpty: Bool { count == 0 }

    /// Gives temporary read access to the bytes. Do not let the pointer escape.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(rebasing: storage[0..<count]))
    }

    /// Compares with `other` in time that depends only on the lengths, never on where the
    /// first differing byte is.
    public func constantTimeEquals(_ other: UnsafeRawBufferPointer) -> Bool {
        withUnsafeBytes { ConstantTime.equals($0, other) }
    }

    public func constantTimeEquals(_ other: Secret) -> Bool {
        other.withUnsafeBytes { constantTimeEquals($0) }
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }

    deinit {
        Secret.wipe(storage)
        storage.deallocate()
    }

    /// Overwrites memory in a way the optimizer may not drop as a dead store.
    public static func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        #if canImport(Glibc)
        explicit_bzero(base, buffer.count)
        #else
        memset_s(base, buffer.count, 0, buffer.count)
        #endif
    }
}
