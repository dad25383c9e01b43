import Foundation
import Glibc

/// A deliberately low-level saslauthd client on a plain Unix socket, for what a well-behaved
/// client never sends: five fields in one write, bogus length prefixes, truncated requests,
/// connections that stay silent.
///
/// Every receive has a timeout (`SO_RCVTIMEO`), so a daemon that never answers fails the test
/// with a clear error instead of blocking the suite. Sends use `MSG_NOSIGNAL`: a daemon that
/// hangs up early must not kill the test runner with SIGPIPE.
// @unchecked: a test uses a client from one place at a time; it crosses to another thread only
// inside `OwnThread.run`, while the test awaits it.
public final class RawSaslauthdClient: @unchecked Sendable {
    private var fd: Int32

    /// Connects to `socketPath`. `receiveTimeout` bounds every later read.
    public init(socketPath: String, receiveTimeout: Duration = .seconds(15)) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            throw IntegrationError("socket(): \(Self.lastError())")
        }
        do {
            try Self.setTimeout(fd, option: SO_RCVTIMEO, receiveTimeout)
            try Self.setTimeout(fd, option: SO_SNDTIMEO, receiveTimeout)
            try Self.connect(fd, to: socketPath)
        } catch {
            Glibc.close(fd)
            fd = -1
            throw error
        }
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
    }

    /// Whether something accepts connections on `socketPath` right now (the connection is
    /// closed at once, without sending anything).
    public static func canConnect(to socketPath: String) -> Bool {
        guard let client = try? RawSaslauthdClient(socketPath: socketPath, receiveTimeout: .seconds(1)) else {
            return false
        }
        client.close()
        return true
    }

    /// One complete exchange: connect, send `fields` as counted strings in a single write,
    /// read the answer. Blocks the calling thread: for a thread of the test's own (`OwnThread`);
    /// async code uses `exchange`.
    public static func blockingExchange(socketPath: String, fields: [String]) throws -> SaslauthdReply {
        if fields.count >= 2 { TestSecrets.register(fields[1]) }
        let client = try RawSaslauthdClient(socketPath: socketPath)
        try client.send(encode(fields))
        return try client.blockingReadReply()
    }

    /// The same exchange from async code: on a thread of its own, so the wait for the answer (a
    /// failure's delay is seconds) holds no thread of Swift's cooperative pool (see `OwnThread`).
    public static func exchange(socketPath: String, fields: [String]) async throws -> SaslauthdReply {
        try await OwnThread.run { try blockingExchange(socketPath: socketPath, fields: fields) }
    }

    /// The saslauthd framing: each field as a 2-byte big-endian length and its bytes.
    public static func encode(_ fields: [String]) -> [UInt8] {
        encode(fields.map { Array($0.utf8) })
    }

    public static func encode(_ fields: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = []
        for field in fields {
            precondition(field.count <= 0xFFFF, "a counted string holds at most 65535 bytes")
            bytes.append(UInt8(field.count >> 8))
            bytes.append(UInt8(field.count & 0xFF))
            bytes.append(contentsOf: field)
        }
        return bytes
    }

    /// Writes all of `bytes` (one `send` unless the kernel takes less).
    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { buffer in
                Glibc.send(fd, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                throw IntegrationError("send(): \(Self.lastError())")
            }
            offset += sent
        }
    }

    /// Closes the sending direction: the daemon reads end-of-file after what was sent.
    public func shutdownWrite() throws {
        guard shutdown(fd, Int32(SHUT_WR)) == 0 else {
            throw IntegrationError("shutdown(SHUT_WR): \(Self.lastError())")
        }
    }

    /// Reads one counted answer. End of file (or a reset) before the first byte is `.closed`;
    /// no data within the receive timeout throws. Blocks (see `blockingExchange`).
    public func blockingReadReply() throws -> SaslauthdReply {
        guard let header = try readExactly(2) else { return .closed }
        let count = Int(header[0]) << 8 | Int(header[1])
        guard let body = try readExactly(count) else {
            throw IntegrationError("the connection closed in the middle of a \(count)-byte answer")
        }
        return .answer(String(decoding: body, as: UTF8.self))
    }

    /// Reads until end of file or a reset, for a connection expected to be closed by the
    /// daemon; returns what arrived. Throws when nothing happens within the receive timeout.
    /// Blocks (see `blockingExchange`).
    public func blockingReadToEnd() throws -> [UInt8] {
        var collected: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let received = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if received > 0 {
                collected.append(contentsOf: buffer[0..<received])
                continue
            }
            if received == 0 { return collected }
            if errno == EINTR { continue }
            if errno == ECONNRESET { return collected }
            if errno == EAGAIN || errno == EWOULDBLOCK {
                throw IntegrationError(
                    "the daemon neither answered nor closed the connection within the receive "
                        + "timeout (got \(collected.count) bytes)")
            }
            throw IntegrationError("recv(): \(Self.lastError())")
        }
    }

    /// Reads `count` newline-ended lines (a line protocol such as Dovecot's), one byte at a time
    /// (a test's few hundred bytes). Blocks (see `blockingExchange`).
    public func blockingReadLines(_ count: Int) throws -> [String] {
        var lines: [String] = []
        var line: [UInt8] = []
        while lines.count < count {
            guard let byte = try readExactly(1)?.first else { throw IntegrationError("closed after \(lines)") }
            if byte == UInt8(ascii: "\n") {
                lines.append(String(decoding: line, as: UTF8.self))
                line = []
            } else {
                line.append(byte)
            }
        }
        return lines
    }

    /// `blockingReadReply()` from async code, on a thread of its own (see `exchange`).
    public func readReply() async throws -> SaslauthdReply {
        try await OwnThread.run { try self.blockingReadReply() }
    }

    /// `blockingReadToEnd()` from async code, on a thread of its own (see `exchange`).
    public func readToEnd() async throws -> [UInt8] {
        try await OwnThread.run { try self.blockingReadToEnd() }
    }

    /// Whether the connection is still open with nothing to read, checked without waiting:
    /// the daemon has neither answered nor hung up yet.
    public func isOpenAndSilent() -> Bool {
        var byte: UInt8 = 0
        let received = recv(fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
        return received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
    }

    public func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    /// Reads exactly `count` bytes; nil when the stream ends (or is reset) before the first of
    /// them, an error when it ends part way or the receive timeout expires.
    public func readExactly(_ count: Int) throws -> [UInt8]? {
        var collected: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: max(count, 1))
        while collected.count < count {
            let wanted = count - collected.count
            let received = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, wanted, 0) }
            if received > 0 {
                collected.append(contentsOf: buffer[0..<received])
                continue
            }
            let ended = received == 0 || errno == ECONNRESET
            if ended {
                if collected.isEmpty { return nil }
                throw IntegrationError(
                    "the connection closed after \(collected.count) of \(count) expected bytes")
            }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK {
                throw IntegrationError(
                    "no answer within the receive timeout (got \(collected.count) of \(count) bytes)")
            }
            throw IntegrationError("recv(): \(Self.lastError())")
        }
        return collected
    }

    private static func setTimeout(_ fd: Int32, option: Int32, _ timeout: Duration) throws {
        let (seconds, attoseconds) = timeout.components
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        guard setsockopt(fd, SOL_SOCKET, option, &value, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
            throw IntegrationError("setsockopt(): \(lastError())")
        }
    }

    private static func connect(_ fd: Int32, to path: String) throws {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else {
            throw IntegrationError("socket path longer than \(capacity - 1) bytes: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            throw IntegrationError("connect(\(path)): \(lastError())")
        }
    }

    private static func lastError() -> String {
        String(cString: strerror(errno))
    }
}
