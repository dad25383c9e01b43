#if canImport(Glibc)
import Glibc
#endif

/// Tells systemd how the service is doing (`sd_notify(3)`'s protocol): one datagram per message,
/// newline-separated `KEY=value` assignments, sent to the `AF_UNIX` socket named in
/// `$NOTIFY_SOCKET` (a path, or `@name` for an abstract socket).
///
/// Written here rather than taken from a library: the protocol is a dozen lines, no maintained
/// Swift package provides it without also bringing a C shim for libsystemd (which would add
/// a link dependency on every host), and the daemon needs nothing else of libsystemd.
/// Without `$NOTIFY_SOCKET` (not started by systemd, or `Type=simple`) every call does nothing.
struct SystemdNotifier: Sendable {
    /// The socket address as bytes for `sun_path` (abstract: a leading NUL), or nil.
    private let address: [UInt8]?

    init(notifySocket: String?) {
        guard let notifySocket, notifySocket.hasPrefix("/") || notifySocket.hasPrefix("@"), notifySocket.utf8.count < 108 else {
            address = nil
            return
        }
        var bytes = Array(notifySocket.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        address = bytes
    }

    /// From the environment, once at start. `NOTIFY_SOCKET` is then removed from it, as
    /// `sd_notify` with `unset_environment` does, so that processes PAM modules start cannot
    /// speak for the daemon.
    static func fromEnvironment() -> SystemdNotifier {
        let value = getenv("NOTIFY_SOCKET").map { String(cString: $0) }
        unsetenv("NOTIFY_SOCKET")
        return SystemdNotifier(notifySocket: value)
    }

    var isActive: Bool { address != nil }

    /// Sends `assignments` (`["READY=1", "STATUS=serving"]`) as one datagram; failures are
    /// ignored, as systemd's own clients ignore them: the daemon serves either way.
    func notify(_ assignments: [String]) {
        guard let address else { return }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { raw in raw.copyBytes(from: address.prefix(raw.count)) }
        // An abstract name is exactly its bytes long (no terminating NUL counts); a path gets one.
        let pathLength = address.first == 0 ? address.count : address.count + 1
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathLength)
        let message = Array(assignments.joined(separator: "\n").utf8)
        _ = message.withUnsafeBytes { bytes in
            withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), $0, length)
                }
            }
        }
    }

    func ready(status: String) { notify(["READY=1", "STATUS=\(status)"]) }

    /// Before a reload: systemd (Type=notify-reload, or a unit that sent RELOADING=1) waits for
    /// the next READY=1, and `MONOTONIC_USEC` tells it which reload this is.
    func reloading() { notify(["RELOADING=1", "MONOTONIC_USEC=\(Self.monotonicMicroseconds())", "STATUS=reloading the configuration"]) }

    func stopping() { notify(["STOPPING=1", "STATUS=stopping: finishing requests in flight"]) }

    func status(_ text: String) { notify(["STATUS=\(text)"]) }

    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }
}
