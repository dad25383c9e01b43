import AuthCore
#if canImport(Glibc)
import Glibc
#endif

/// A listener's socket on its way to its path: bound inside a fresh directory that only this
/// process's user may enter, given its mode and group there, then renamed into place.
///
/// Root must never chmod, chown or stat the socket through its final path: the socket's
/// directory may belong to another account (the run_as account, or postfix for its chroot),
/// which can swap the socket for a link to /etc/shadow between any two calls that name the path.
/// Inside the staging directory nobody else can add, remove or rename an entry, so the mode and
/// group are set on the inode that was bound. `renameat` then replaces whatever the final name
/// holds (a stale socket, a planted link) without following it, and every directory is reached
/// through a descriptor opened with `O_NOFOLLOW`, never through its path again.
final class SocketStage {
    /// The final path, for messages and for the removal at shutdown.
    let path: String
    /// The socket's directory and the socket's name in it.
    private let directory: CInt
    private let name: String
    /// The staging directory (mode 0700, this process's user) and its name in `directory`.
    private let staging: CInt
    private let stagingName: String
    private var closed = false

    /// The name the socket is bound under inside the staging directory: short and fixed, so the
    /// bind path fits `sun_path` whatever the final name's length.
    private static let stagedName = "socket"

    init(path: String, directory: CInt, name: String, staging: CInt, stagingName: String) {
        self.path = path
        self.directory = directory
        self.name = name
        self.staging = staging
        self.stagingName = stagingName
    }

    deinit { close() }

    /// Where to bind: the staging directory through this process's descriptor for it, so no
    /// component of the path can be renamed or replaced by another account.
    var bindPath: String { "/proc/self/fd/\(staging)/\(Self.stagedName)" }

    /// Sets mode and group on the bound socket, then moves it to its path. Returns the socket's
    /// inode, so shutdown removes only this socket file.
    func install(mode: UInt32, group: gid_t?, groupName: String?) throws -> ino_t {
        guard fchmodat(staging, Self.stagedName, mode_t(mode), 0) == 0 else {
            throw SocketSetupError(description: "cannot set mode \(ListenerConfig.octal(mode)) on \(path): \(SocketPreparer.errorText())")
        }
        if let group, fchownat(staging, Self.stagedName, uid_t.max, group, AT_SYMLINK_NOFOLLOW) != 0 {
            throw SocketSetupError(description: "cannot give \(path) to group \(groupName ?? "?"): \(SocketPreparer.errorText())")
        }
        var info = stat()
        guard fstatat(staging, Self.stagedName, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw SocketSetupError(description: "cannot inspect the socket bound for \(path): \(SocketPreparer.errorText())")
        }
        guard renameat(staging, Self.stagedName, directory, name) == 0 else {
            throw SocketSetupError(description: "cannot move the socket to \(path): \(SocketPreparer.errorText())")
        }
        return info.st_ino
    }

    /// Removes the staging directory (and a socket still in it, when installing failed) and
    /// closes the descriptors. The directory is removed by name only while that name still
    /// leads to it: the socket directory's owner may have renamed it, and must not get root to
    /// remove something else instead.
    func close() {
        guard !closed else { return }
        closed = true
        _ = unlinkat(staging, Self.stagedName, 0)
        var held = stat()
        var named = stat()
        if fstat(staging, &held) == 0, fstatat(directory, stagingName, &named, AT_SYMLINK_NOFOLLOW) == 0,
            held.st_dev == named.st_dev, held.st_ino == named.st_ino
        {
            _ = unlinkat(directory, stagingName, AT_REMOVEDIR)
        }
        _ = Glibc.close(staging)
        _ = Glibc.close(directory)
    }
}
