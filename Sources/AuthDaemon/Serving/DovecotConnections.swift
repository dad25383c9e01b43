import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What a Dovecot listener tells each client about itself in the handshake: its process id,
/// a cookie fixed for the life of the listener, and a number for each connection.
final class DovecotConnections: Sendable {
    let serverPID = UInt32(truncatingIfNeeded: getpid())
    /// Dovecot's clients hand the cookie back only in master requests (userdb lookups), which
    /// authmux does not serve; it is random all the same, as they expect.
    let cookie: String = {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return String(byte >> 4, radix: 16) + String(byte & 15, radix: 16)
        }.joined()
    }()
    private let counter = Atomic<UInt32>(0)

    func next() -> UInt32 {
        counter.wrappingAdd(1, ordering: .relaxed).newValue
    }
}
