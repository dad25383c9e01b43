import Glibc
import SocketTestSupport

/// A blocking HTTP/1.0 GET for the metrics endpoint, over loopback TCP or a Unix socket, with a
/// receive timeout so a daemon that never answers fails the test instead of hanging it. Async
/// tests call `fetch`, which runs on a thread of its own (see `OwnThread`).
enum HTTPGet {
    enum Target: Sendable {
        case tcp(port: Int)
        case unix(path: String)
    }

    struct Response: Sendable {
        var status: Int
        var body: String
    }

    static func fetch(_ target: Target, path: String = "/metrics") async throws -> Response {
        try await OwnThread.run { try blockingFetch(target, path: path) }
    }

    static func blockingFetch(_ target: Target, path: String) throws -> Response {
        let fd: Int32
        switch target {
        case .tcp(let port):
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw IntegrationError("socket(): errno \(errno)") }
            setTimeout(fd)
            var address = LocalTCP.loopback(port: port)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                let error = errno
                close(fd)
                throw IntegrationError("connect to 127.0.0.1:\(port): errno \(error)")
            }
        case .unix(let socketPath):
            fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw IntegrationError("socket(): errno \(errno)") }
            setTimeout(fd)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(socketPath.utf8)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes.prefix($0.count - 1)) }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard connected == 0 else {
                let error = errno
                close(fd)
                throw IntegrationError("connect to \(socketPath): errno \(error)")
            }
        }
        defer { close(fd) }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8)
        let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.count else { throw IntegrationError("send(): errno \(errno)") }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { break }
            guard count > 0 else { throw IntegrationError("recv(): errno \(errno) after \(response.count) bytes") }
            response.append(contentsOf: buffer[0..<count])
        }
        let text = String(decoding: response, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw IntegrationError("not an HTTP answer: \(text)") }
        let statusLine = text[..<split.lowerBound].prefix { $0 != "\r" }
        let fields = statusLine.split(separator: " ")
        guard fields.count >= 2, let status = Int(fields[1]) else { throw IntegrationError("bad status line: \(statusLine)") }
        return Response(status: status, body: String(text[split.upperBound...]))
    }

    private static func setTimeout(_ fd: Int32) {
        var limit = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }
}
