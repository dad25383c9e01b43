import AuthCore
#if canImport(Glibc)
import Glibc
#endif

/// `run_as` resolved against the host's user and group databases, once, at start: the ids the
/// daemon switches to and every group the account will hold, so what it may read can be judged
/// before root is given up.
struct RunAsAccount: Sendable, Equatable {
    let userName: String
    let uid: uid_t
    let groupName: String
    let gid: gid_t
    /// `gid` and the supplementary groups `initgroups` will set (the group database's view).
    let groups: [gid_t]

    /// An unknown user or group is a located configuration error, as for `listen[].group`.
    static func resolve(_ config: RunAsConfig) throws(ConfigError) -> RunAsAccount {
        // A name first, so an account whose name is all digits is still found by name.
        let record = getpwnam(config.user) ?? UInt32(config.user).flatMap { getpwuid($0) }
        guard let record else { throw config.userError }
        let userName = String(cString: record.pointee.pw_name)
        let uid = record.pointee.pw_uid
        var gid = record.pointee.pw_gid
        if let group = config.group {
            guard let entry = getgrnam(group) ?? UInt32(group).flatMap({ getgrgid($0) }) else {
                throw config.groupError ?? config.userError
            }
            gid = entry.pointee.gr_gid
        }
        let groupName = getgrgid(gid).map { String(cString: $0.pointee.gr_name) } ?? String(gid)
        return RunAsAccount(userName: userName, uid: uid, groupName: groupName, gid: gid, groups: groupList(user: userName, gid: gid))
    }

    /// The groups `initgroups(user, gid)` gives: `gid` plus every group listing the user.
    private static func groupList(user: String, gid: gid_t) -> [gid_t] {
        var count: Int32 = 64
        while true {
            var groups = [gid_t](repeating: 0, count: Int(count))
            let previous = count
            if getgrouplist(user, gid, &groups, &count) >= 0 {
                return Array(groups.prefix(Int(count)))
            }
            // Too small: `count` now holds the size needed (guard against a libc that does not say).
            count = max(count, previous * 2)
        }
    }

    var isRoot: Bool { uid == 0 }

    /// `user authmux (uid 998), group authmux (gid 998)` for logs and check-config.
    var description: String {
        "user \(userName) (uid \(uid)), group \(groupName) (gid \(gid))"
    }

    /// Whether this account may `access` the path with the given bits, judged from owners and
    /// mode bits of the file and every directory above it (ACLs and security modules are not
    /// consulted; the daemon confirms with the real `access` once it runs as the account).
    /// Returns nil when it may, otherwise why not.
    func denial(_ path: String, read: Bool = false, write: Bool = false, execute: Bool = false) -> String? {
        if isRoot { return nil }
        var directory = ""
        for component in path.split(separator: "/").dropLast() {
            directory += "/\(component)"
            if let problem = denialOfOwnBits(directory, read: false, write: false, execute: true) {
                return problem
            }
        }
        return denialOfOwnBits(path, read: read, write: write, execute: execute)
    }

    /// Whether this account may unlink `path` (a socket file root created): that takes write
    /// and search permission on its directory, and in a sticky directory owning one of them.
    func removalDenial(of path: String) -> String? {
        if isRoot { return nil }
        let directory = SocketPreparer.parentDirectory(of: path)
        if let problem = denial(directory, write: true, execute: true) { return problem }
        var info = stat()
        var fileInfo = stat()
        if stat(directory, &info) == 0, info.st_mode & S_ISVTX != 0, info.st_uid != uid,
            lstat(path, &fileInfo) != 0 || fileInfo.st_uid != uid
        {
            return "\(directory) is sticky and user \(userName) owns neither it nor the socket"
        }
        return nil
    }

    private func denialOfOwnBits(_ path: String, read: Bool, write: Bool, execute: Bool) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return "\(path): \(String(cString: strerror(errno)))" }
        let shift: mode_t
        if info.st_uid == uid {
            shift = 6
        } else if groups.contains(info.st_gid) {
            shift = 3
        } else {
            shift = 0
        }
        let bits = (info.st_mode >> shift) & 0o7
        var missing: [String] = []
        if read && bits & 0o4 == 0 { missing.append("read") }
        if write && bits & 0o2 == 0 { missing.append("write") }
        if execute && bits & 0o1 == 0 { missing.append((info.st_mode & S_IFMT) == S_IFDIR ? "search" : "execute") }
        guard !missing.isEmpty else { return nil }
        return "\(path) (owner \(info.st_uid), group \(info.st_gid), mode \(ListenerConfig.octal(UInt32(info.st_mode & 0o7777)))) gives user \(userName) no \(missing.joined(separator: " or ")) permission"
    }
}
