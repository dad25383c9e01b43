#if canImport(Glibc)
import Glibc
#endif

/// One listening socket systemd passed to the daemon (socket activation), as found: its
/// descriptor, the name the socket unit gave it (`FileDescriptorName=`, `LISTEN_FDNAMES`) and,
/// for a Unix socket, the path it is bound to.
struct PassedSocket: Sendable, CustomStringConvertible {
    let fd: CInt
    let name: String
    /// The bound path of an `AF_UNIX` socket (from getsockname); nil for other families.
    let path: String?

    var description: String {
        "fd \(fd) (name \"\(name)\"\(path.map { ", path \($0)" } ?? ""))"
    }

    /// Reads what the socket is, and makes it what the daemon's listeners need: a listening
    /// stream socket, blocking (accept threads wait in `accept`), closed on exec (a program a
    /// PAM module runs must not inherit it).
    static func inspect(fd: CInt, name: String) throws -> PassedSocket {
        var type: CInt = 0
        var listening: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0 else {
            throw SocketSetupError(description: "systemd passed fd \(fd) (name \"\(name)\"), which is not a socket")
        }
        length = socklen_t(MemoryLayout<CInt>.size)
        guard type == CInt(SOCK_STREAM.rawValue), getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0, listening == 1 else {
            throw SocketSetupError(description: "systemd passed fd \(fd) (name \"\(name)\"), which is not a listening stream socket (ListenStream=)")
        }
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 && flags & O_NONBLOCK != 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return PassedSocket(fd: fd, name: name, path: boundPath(of: fd))
    }

    private static func boundPath(of fd: CInt) -> String? {
        var address = sockaddr_un()
        var length = socklen_t(MemoryLayout<sockaddr_un>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0, address.sun_family == sa_family_t(AF_UNIX) else { return nil }
        let bytes = withUnsafeBytes(of: address.sun_path) { Array($0.prefix(Int(length) - MemoryLayout<sa_family_t>.size)) }
        // A path is NUL-terminated within the length; an abstract or unnamed socket has none.
        guard let first = bytes.first, first != 0 else { return nil }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
}
