import Glibc
import SocketTestSupport

/// The test's end of `$NOTIFY_SOCKET`: a datagram socket bound in the sandbox, as systemd's is,
/// from which the messages authmuxd sends are read one datagram at a time. Reads block (with a
/// receive timeout, so a daemon that never says something fails the test): async tests read
/// through `wait(for:)`, which runs on a thread of its own.
// @unchecked: one reader at a time; the socket is only read, from the thread `OwnThread` runs.
final class NotifySocket: @unchecked Sendable {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw IntegrationError("socket(): errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes.prefix($0.count - 1)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            let error = errno
            close(fd)
            throw IntegrationError("bind(\(path)): errno \(error)")
        }
        var limit = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// The next datagram; throws when none comes within the receive timeout.
    func blockingNext() throws -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { throw IntegrationError("no notification within 20 s (errno \(errno))") }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    /// Every datagram up to and including the first that holds the line `assignment`.
    func blockingWait(for assignment: String) throws -> [String] {
        var seen: [String] = []
        while true {
            let message = try blockingNext()
            seen.append(message)
            if message.split(separator: "\n").contains(Substring(assignment)) { return seen }
        }
    }

    func wait(for assignment: String) async throws -> [String] {
        try await OwnThread.run { try self.blockingWait(for: assignment) }
    }
}
