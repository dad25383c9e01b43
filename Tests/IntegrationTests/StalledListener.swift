import Glibc

/// A TCP listener on 127.0.0.1 that never accepts: clients connect (the kernel queues them in
/// the backlog and completes the handshake) and then wait forever for an answer, like a server
/// whose process hangs or a firewall that lets SYNs through. Closed when released.
final class StalledListener {
    let port: Int
    private let fd: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw IntegrationError("socket(): errno \(errno)") }
        var address = LocalTCP.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw IntegrationError("bind/listen: errno \(errno)")
        }
        do {
            port = try LocalTCP.port(of: fd)
        } catch {
            close(fd)
            throw error
        }
        self.fd = fd
    }

    var url: String { "ldap://127.0.0.1:\(port)/" }

    deinit { close(fd) }
}
