import Glibc
import SocketTestSupport

/// Loopback TCP helpers for the LDAP tests: a port nobody listens on, and listening sockets for
/// the fake servers (`StalledListener`, `StartTLSThenSilence`).
enum LocalTCP {
    /// A port on 127.0.0.1 that was free a moment ago: bound to port 0, read back, closed.
    static func freePort() throws -> Int {
        let (fd, port) = try bound()
        close(fd)
        return port
    }

    /// A socket listening on 127.0.0.1, on a port the kernel picked, and that port.
    static func listener(backlog: Int32) throws -> (fd: Int32, port: Int) {
        let (fd, port) = try bound()
        guard listen(fd, backlog) == 0 else {
            let error = errno
            close(fd)
            throw IntegrationError("listen(): errno \(error)")
        }
        return (fd, port)
    }

    /// A TCP socket bound to 127.0.0.1 port 0, and the port the kernel gave it.
    private static func bound() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw IntegrationError("socket(): errno \(errno)") }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let error = errno
            close(fd)
            throw IntegrationError("bind(): errno \(error)")
        }
        do {
            return (fd, try port(of: fd))
        } catch {
            close(fd)
            throw error
        }
    }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    static func port(of fd: Int32) throws -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw IntegrationError("getsockname(): errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
