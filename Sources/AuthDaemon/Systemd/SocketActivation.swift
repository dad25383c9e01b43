import AuthCore
#if canImport(Glibc)
import Glibc
#endif

/// The sockets systemd passed (`LISTEN_PID`, `LISTEN_FDS`, `LISTEN_FDNAMES`; descriptors from 3
/// on, as `sd_listen_fds(3)` describes) and which listener each belongs to.
///
/// A passed socket belongs to the listener bound to the same path, else to the only listener
/// whose protocol is its name (`FileDescriptorName=saslauthd`). Listeners without a passed
/// socket bind their own, and so does the metrics endpoint (Hummingbird binds by address only).
/// A passed socket that belongs to nothing stops the start, named, since it means the socket
/// unit and the configuration disagree.
struct SocketActivation: Sendable {
    /// By listener path.
    private(set) var listeners: [String: PassedSocket] = [:]

    /// The first descriptor systemd passes (`SD_LISTEN_FDS_START`).
    static let firstDescriptor: CInt = 3

    /// The passed sockets, or none when the variables are absent or meant for another process
    /// (`LISTEN_PID` is not ours). The variables are removed either way, so that nothing the
    /// daemon starts believes the sockets are its own.
    static func passedSockets(pid: Int32) throws -> [PassedSocket] {
        let owner = getenv("LISTEN_PID").flatMap { Int32(String(cString: $0)) }
        let count = getenv("LISTEN_FDS").flatMap { Int(String(cString: $0)) }
        let names = getenv("LISTEN_FDNAMES").map { String(cString: $0).split(separator: ":", omittingEmptySubsequences: false).map(String.init) } ?? []
        unsetenv("LISTEN_PID")
        unsetenv("LISTEN_FDS")
        unsetenv("LISTEN_FDNAMES")
        guard let owner, owner == pid, let count, count > 0 else { return [] }
        return try (0..<count).map { index in
            let fd = firstDescriptor + CInt(index)
            // systemd's default name for a socket unit's descriptors is "unknown".
            let name = index < names.count && !names[index].isEmpty ? names[index] : "unknown"
            return try PassedSocket.inspect(fd: fd, name: name)
        }
    }

    init() {}

    init(passed: [PassedSocket], listeners configured: [ListenerConfig]) throws {
        var unmatched: [PassedSocket] = []
        for socket in passed {
            if let path = socket.path, configured.contains(where: { $0.path == path }), listeners[path] == nil {
                listeners[path] = socket
            } else if socket.path == nil || !configured.contains(where: { $0.path == socket.path }) {
                unmatched.append(socket)
            } else {
                throw SocketSetupError(description: "systemd passed two sockets for \(socket.path ?? "?"): \(socket)")
            }
        }
        for socket in unmatched {
            let byName = configured.filter { $0.protocolName.rawValue == socket.name }
            if byName.count == 1, listeners[byName[0].path] == nil {
                listeners[byName[0].path] = socket
            } else {
                let known = configured.map(\.path).joined(separator: ", ")
                throw SocketSetupError(description: """
                    systemd passed a socket that matches no listener: \(socket). Listeners: \(known). \
                    Make the socket unit's ListenStream= path a listener's path, or name it (FileDescriptorName=) after a listener's protocol
                    """)
            }
        }
    }
}
