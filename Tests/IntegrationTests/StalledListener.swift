import Glibc

/// A TCP listener on 127.0.0.1 that never accepts: clients connect (the kernel queues them in
/// the backlog and completes the handshake) and then wait forever for an answer, like a server
/// whose process hangs or a firewall that lets SYNs through. Closed when released.
final class StalledListener {
    let port: Int
    private let fd: Int32

    init() throws {
        (fd, port) = try LocalTCP.listener(backlog: 64)
    }

    var url: String { "ldap://127.0.0.1:\(port)/" }

    deinit { close(fd) }
}
