import AuthCore
#if canImport(Glibc)
import Glibc
#endif

/// Where `authmuxd status` reads the metrics: a Unix socket path, or a loopback `host:port`
/// (also written as `http://host:port/metrics`), and the blocking HTTP/1.0 GET that reads them.
/// A command-line tool that asks once or twice needs no event loop.
struct MetricsEndpoint: Sendable, CustomStringConvertible {
    enum Address: Sendable {
        case unix(String)
        case tcp(host: String, port: Int)
    }

    let address: Address
    let path: String

    var description: String {
        switch address {
        case .unix(let socket): return socket
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }

    init(config: MetricsConfig) {
        switch config.endpoint {
        case .unix(let socket): address = .unix(socket)
        case .tcp(let host, let port): address = .tcp(host: host, port: port)
        }
        path = "/metrics"
    }

    /// `--metrics`: a socket path, `host:port`, `[v6]:port` or `http://` followed by either and
    /// an optional path.
    init?(argument: String) {
        if argument.hasPrefix("/") {
            address = .unix(argument)
            path = "/metrics"
            return
        }
        var rest = Substring(argument)
        if rest.hasPrefix("http://") { rest = rest.dropFirst("http://".count) }
        var requestPath = "/metrics"
        if let slash = rest.firstIndex(of: "/") {
            requestPath = String(rest[slash...])
            rest = rest[..<slash]
        }
        let host: Substring
        let port: Substring
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            host = rest[rest.index(after: rest.startIndex)..<close]
            port = rest[close...].dropFirst(2)
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            port = rest[rest.index(after: colon)...]
        } else {
            return nil
        }
        guard !host.isEmpty, let number = Int(port), (1...65535).contains(number) else { return nil }
        address = .tcp(host: String(host), port: number)
        path = requestPath
    }

    struct FetchError: Error, CustomStringConvertible {
        var description: String
    }

    /// The body of a 200 answer to `GET path`; throws with what went wrong otherwise.
    func fetch(timeoutSeconds: Int = 5) throws -> String {
        let fd = try connect(timeoutSeconds: timeoutSeconds)
        defer { close(fd) }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8)
        var sent = 0
        while sent < request.count {
            let count = request.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw FetchError(description: "cannot send to \(self): \(String(cString: strerror(errno)))") }
            sent += count
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { break }
            guard count > 0 else { throw FetchError(description: "cannot read from \(self): \(String(cString: strerror(errno)))") }
            response.append(contentsOf: buffer[0..<count])
        }
        let text = String(decoding: response, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw FetchError(description: "\(self) sent no HTTP answer") }
        let statusLine = text[..<split.lowerBound].split(separator: "\r\n").first ?? ""
        guard statusLine.split(separator: " ").dropFirst().first == "200" else {
            throw FetchError(description: "\(self) answered \(statusLine)")
        }
        return String(text[split.upperBound...])
    }

    private func connect(timeoutSeconds: Int) throws -> CInt {
        switch address {
        case .unix(let socketPath):
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw FetchError(description: "socket(): \(String(cString: strerror(errno)))") }
            Self.setTimeout(fd, seconds: timeoutSeconds)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(socketPath.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
                close(fd)
                throw FetchError(description: "\(socketPath) is too long for a Unix socket path")
            }
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard connected == 0 else {
                let problem = String(cString: strerror(errno))
                close(fd)
                throw FetchError(description: "cannot connect to \(socketPath): \(problem) (is authmuxd running with this metrics: socket?)")
            }
            return fd
        case .tcp(let host, let port):
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            hints.ai_flags = AI_NUMERICSERV
            var found: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &found) == 0, let first = found else {
                throw FetchError(description: "cannot resolve \(host)")
            }
            defer { freeaddrinfo(found) }
            var lastProblem = "no address"
            var candidate: UnsafeMutablePointer<addrinfo>? = first
            while let info = candidate {
                candidate = info.pointee.ai_next
                let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
                guard fd >= 0 else { continue }
                Self.setTimeout(fd, seconds: timeoutSeconds)
                if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return fd }
                lastProblem = String(cString: strerror(errno))
                close(fd)
            }
            throw FetchError(description: "cannot connect to \(self): \(lastProblem) (is authmuxd running with this metrics: address?)")
        }
    }

    private static func setTimeout(_ fd: CInt, seconds: Int) {
        var limit = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }
}
