@testable import Backends
import Glibc
import Testing

/// The connect watch's timer shuts a stalled set-up's socket down. libldap may close that socket
/// within `ldap_connect` (a failed handshake, the next address of a host name) before the watch
/// hears that set-up is over, and the process may hand the number to another socket at once: the
/// timer must act on the socket it was given, never on whatever now has its number.
///
/// Socket pairs stand in for libldap's connections; `dup2` puts another socket at the watched
/// number in one step, as a reuse by another thread would, without a window in which a test
/// running in parallel could take the number.
@Suite("LDAP connect watch")
struct LDAPConnectWatchTests {
    @Test func aTimerFiringAfterTheNumberWasReusedLeavesTheNewSocketAlone() throws {
        let watched = try Self.socketPair()
        let other = try Self.socketPair()
        defer { [watched.1, other.0, other.1].forEach { close($0) } }
        let watch = LDAPConnectWatch()
        watch.attach(watched.0)
        // libldap closes its socket and the number is reused: `dup2` does both at once.
        #expect(dup2(other.0, watched.0) == watched.0)
        let reused = watched.0
        defer { close(reused) }

        watch.fire()
        watch.finish()

        #expect(Self.send(reused), "the timer shut down the socket that reused the number")
        #expect(Self.receive(other.1) == 1)
        // The socket the watch was given was shut down (its peer sees the end of the stream).
        #expect(Self.receive(watched.1) == 0)
    }

    @Test func afterFinishTheWatchHoldsNothingAndTheTimerDoesNothing() throws {
        let watched = try Self.socketPair()
        let other = try Self.socketPair()
        defer { [watched.1, other.0, other.1].forEach { close($0) } }
        let watch = LDAPConnectWatch()
        watch.attach(watched.0)
        watch.finish()
        #expect(dup2(other.0, watched.0) == watched.0)
        let reused = watched.0
        defer { close(reused) }

        // Nothing holds the first socket any more: closing its number ended it, its peer sees EOF.
        #expect(Self.receive(watched.1) == 0)
        watch.fire()
        #expect(Self.send(reused), "a timer firing after finish() touched the number")
        #expect(Self.receive(other.1) == 1)
    }

    @Test func aTimerFiringDuringSetUpShutsTheSocketDown() throws {
        let watched = try Self.socketPair()
        defer { close(watched.0); close(watched.1) }
        let watch = LDAPConnectWatch()
        watch.attach(watched.0)
        watch.fire()
        #expect(watch.fired)
        #expect(Self.receive(watched.1) == 0, "the stalled set-up's socket was not shut down")
        #expect(!Self.send(watched.0))
        watch.finish()
    }

    static func socketPair() throws -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0)
        return (fds[0], fds[1])
    }

    static func send(_ fd: Int32) -> Bool {
        var byte: UInt8 = 0x2a
        return Glibc.send(fd, &byte, 1, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)) == 1
    }

    /// What one non-blocking read returns: 1 for a byte, 0 for the end of the stream, -1 for
    /// nothing yet.
    static func receive(_ fd: Int32) -> Int {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_DONTWAIT))
    }
}
