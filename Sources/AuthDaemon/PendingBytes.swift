import NIOConcurrencyHelpers
import NIOCore

/// The bytes an `AcceptLane` read before handing a connection to SwiftNIO, passed to the
/// connection's handler exactly once.
///
/// A box rather than a captured `ByteBuffer`: the bootstrap's initializer closure outlives the
/// hand-off, and a buffer it still referenced would make the handler's wipe copy the storage
/// and clear the copy, leaving the password in the original. `take()` leaves the handler with
/// the only reference, so its wipe overwrites the bytes themselves.
final class PendingBytes: Sendable {
    private let box: NIOLockedValueBox<ByteBuffer?>

    init(_ buffer: consuming ByteBuffer) {
        box = NIOLockedValueBox(buffer)
    }

    func take() -> ByteBuffer? {
        box.withLockedValue { stored in
            defer { stored = nil }
            return stored
        }
    }
}
