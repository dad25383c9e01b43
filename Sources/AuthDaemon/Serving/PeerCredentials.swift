import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Who is at the other end of an accepted Unix socket, as the kernel says (SO_PEERCRED): the
/// one check of a listener's `allow` list, made before a byte is read, whatever the protocol.
struct PeerCredentials: Sendable {
    let pid: Int32
    let uid: UInt32
    let gid: UInt32

    static func of(_ fd: CInt) -> PeerCredentials? {
        // Linux's struct ucred is { pid_t pid; uid_t uid; gid_t gid; }; Swift's Glibc module
        // does not expose it (it needs _GNU_SOURCE), and a tuple has the same layout.
        var raw: (pid: Int32, uid: UInt32, gid: UInt32) = (0, 0, 0)
        var length = socklen_t(MemoryLayout.size(ofValue: raw))
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &raw, &length) == 0 else { return nil }
        return PeerCredentials(pid: raw.pid, uid: raw.uid, gid: raw.gid)
    }

    /// Whether `policy` admits the peer of `fd`; a refusal is logged with the peer's ids.
    static func admits(_ fd: CInt, policy: PeerPolicy, listenerPath: String, logger: Logger) -> Bool {
        guard let peer = of(fd) else {
            logger.warning("connection refused: peer credentials unavailable: \(String(cString: strerror(errno)))", metadata: ["listener": "\(listenerPath)"])
            return false
        }
        guard policy.admits(uid: peer.uid, gid: peer.gid) else {
            logger.warning("connection refused: peer not in the listener's allow list", metadata: [
                "listener": "\(listenerPath)", "uid": "\(peer.uid)", "gid": "\(peer.gid)", "pid": "\(peer.pid)",
            ])
            return false
        }
        return true
    }
}
