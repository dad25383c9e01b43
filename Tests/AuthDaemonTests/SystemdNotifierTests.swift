@testable import AuthDaemon
import Glibc
import Testing

/// sd_notify's wire format as `SystemdNotifier` writes it: one datagram per message, the
/// assignments separated by newlines, to a path or to an abstract socket (`@name`).
@Suite("systemd notifications")
struct SystemdNotifierTests {
    /// A datagram socket bound to `sun_path` bytes (a leading NUL makes it abstract).
    private static func receiver(_ pathBytes: [UInt8]) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: pathBytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count + (pathBytes.first == 0 ? 0 : 1))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        try #require(bound == 0, "bind: errno \(errno)")
        var limit = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    private static func receive(_ fd: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 1024)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count < 0 ? nil : String(decoding: buffer[0..<count], as: UTF8.self)
    }

    @Test func anAbstractSocketGetsOneDatagramPerMessage() throws {
        let name = "authmux-test-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let fd = try Self.receiver([0] + Array(name.utf8))
        defer { close(fd) }
        let notifier = SystemdNotifier(notifySocket: "@" + name)
        #expect(notifier.isActive)
        notifier.ready(status: "serving")
        notifier.notify(["WATCHDOG=1"])
        #expect(Self.receive(fd) == "READY=1\nSTATUS=serving")
        #expect(Self.receive(fd) == "WATCHDOG=1")
    }

    @Test func aPathSocketGetsReloadingWithAMonotonicStamp() throws {
        let path = "/tmp/authmux-notify-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let fd = try Self.receiver(Array(path.utf8))
        defer {
            close(fd)
            unlink(path)
        }
        let before = SystemdNotifier.monotonicMicroseconds()
        SystemdNotifier(notifySocket: path).reloading()
        let lines = try #require(Self.receive(fd)).split(separator: "\n")
        #expect(lines.first == "RELOADING=1")
        let stamp = try #require(lines.first { $0.hasPrefix("MONOTONIC_USEC=") }.flatMap { UInt64($0.dropFirst("MONOTONIC_USEC=".count)) })
        #expect(stamp >= before && stamp <= SystemdNotifier.monotonicMicroseconds())
    }

    @Test func withoutASocketNothingIsSent() {
        #expect(!SystemdNotifier(notifySocket: nil).isActive)
        #expect(!SystemdNotifier(notifySocket: "relative/path").isActive)
    }
}
