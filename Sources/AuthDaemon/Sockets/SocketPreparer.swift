import AuthCore
#if canImport(Glibc)
import Glibc
#endif

/// Gets a socket path ready for binding, and cleans it up afterwards: creates the directory,
/// stages the socket so that a stale one left by a crashed daemon is replaced, and refuses to
/// touch a path where another daemon still answers or where something other than a socket lives.
enum SocketPreparer {
    /// Resolves the listener's group; a group that does not exist is a configuration error.
    static func groupID(for listener: ListenerConfig) throws -> gid_t? {
        guard let name = listener.group else { return nil }
        guard let entry = getgrnam(name) else {
            throw listener.groupError ?? ConfigError(file: "", line: 0, column: 0, keyPath: "listen.group", message: "group \"\(name)\" does not exist")
        }
        return entry.pointee.gr_gid
    }

    /// Opens (or creates) the socket's directory and a staging directory in it, after checking
    /// what the socket's name holds now: nothing, a stale socket or a link are replaced when the
    /// socket is installed; a socket or link where another daemon answers, or anything else,
    /// stops the start. These checks guard against mistakes, not against the directory's owner,
    /// who may change the name at any time: nothing done later goes through it.
    static func stage(_ listener: ListenerConfig, group: gid_t?) throws -> SocketStage {
        let path = listener.path
        let directory = try openDirectory(parentDirectory(of: path), mode: listener.directoryMode, group: group, isSocketDirectory: true)
        do {
            let name = lastComponent(of: path)
            var info = stat()
            if fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 {
                let type = info.st_mode & S_IFMT
                guard type == S_IFSOCK || type == S_IFLNK else {
                    throw SocketSetupError(description: "\(path) exists and is not a socket; refusing to replace it")
                }
                if isAnswering(path) {
                    throw SocketSetupError(description: "another daemon is already answering on \(path); stop it first (for Cyrus saslauthd: systemctl stop saslauthd)")
                }
            } else if errno != ENOENT {
                throw SocketSetupError(description: "cannot inspect \(path): \(errorText())")
            }
            let (staging, stagingName) = try makeStagingDirectory(in: directory, for: path)
            return SocketStage(path: path, directory: directory, name: name, staging: staging, stagingName: stagingName)
        } catch {
            close(directory)
            throw error
        }
    }

    /// The inode of the socket we bound, so shutdown removes only our own socket file.
    static func inode(of path: String) -> ino_t? {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFSOCK else { return nil }
        return info.st_ino
    }

    /// Why our socket file could not be removed, or nil (also when it is not ours any more).
    @discardableResult
    static func remove(_ path: String, ifInode inode: ino_t?) -> String? {
        guard let inode, self.inode(of: path) == inode else { return nil }
        return unlink(path) == 0 || errno == ENOENT ? nil : errorText()
    }

    /// A listening socket bound to `bindPath` (a `SocketStage`'s), for a `DoorListener`. It
    /// stays blocking: accept threads wait in `accept` (the kernel wakes one of them per
    /// connection), and `shutdown` wakes them all when the daemon stops. `path` names it in
    /// messages.
    static func listen(on bindPath: String, for path: String, backlog: Int32) throws -> CInt {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketSetupError(description: "cannot create a socket for \(path): \(errorText())") }
        var address = unixAddress(bindPath)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, backlog) == 0 else {
            let problem = errorText()
            close(fd)
            throw SocketSetupError(description: "cannot listen on \(path): \(problem)")
        }
        return fd
    }

    /// Whether a process listens on the socket. The probe does not block: a listener whose
    /// backlog is full (EAGAIN) is alive too, and a hung one must not hang our start.
    private static func isAnswering(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = unixAddress(path)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return result == 0 || errno == EAGAIN
    }

    /// The socket address for `path`, which the configuration has already limited to 107 bytes.
    private static func unixAddress(_ path: String) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes.prefix(raw.count - 1))
        }
        return address
    }

    /// Opens `directory`, creating it and missing parents as this process's user: parents with
    /// mode 0755, the socket's directory with `mode` and `group`. A directory created here stays
    /// this user's (root's): an account owning it could swap the socket for a link before the
    /// next start. An existing directory is left as it is, whoever owns it.
    ///
    /// The socket's directory itself must not be a link (it is opened with `O_NOFOLLOW`, so a
    /// link planted there cannot send the socket elsewhere); existing parents may be, as
    /// /var/run is on Debian.
    private static func openDirectory(_ directory: String, mode: UInt32, group: gid_t?, isSocketDirectory: Bool) throws -> CInt {
        let flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (isSocketDirectory ? O_NOFOLLOW : 0)
        let existing = open(directory, flags)
        if existing >= 0 { return existing }
        switch errno {
        case ENOENT:
            break
        case ELOOP where isSocketDirectory:
            throw SocketSetupError(description: "\(directory) is a symbolic link; give the socket's real directory in listen.path")
        case ENOTDIR:
            throw SocketSetupError(description: "\(directory) exists and is not a directory")
        default:
            throw SocketSetupError(description: "cannot open \(directory): \(errorText())")
        }
        let parentPath = parentDirectory(of: directory)
        guard parentPath != directory else { throw SocketSetupError(description: "cannot open \(directory): \(errorText())") }
        let parent = try openDirectory(parentPath, mode: 0o755, group: nil, isSocketDirectory: false)
        defer { close(parent) }
        let name = lastComponent(of: directory)
        guard mkdirat(parent, name, mode_t(mode)) == 0 else {
            if errno == EEXIST {
                // Created meanwhile by someone else: an existing directory, used as it is.
                let fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
                if fd >= 0 { return fd }
            }
            throw SocketSetupError(description: "cannot create \(directory): \(errorText())")
        }
        let fd = try openOwnDirectory(parent, name, describedAs: directory)
        // mkdirat applies the umask; the exact mode and the group are set on the directory held.
        guard fchmod(fd, mode_t(mode)) == 0, group.map({ fchown(fd, uid_t.max, $0) == 0 }) ?? true else {
            let problem = errorText()
            close(fd)
            throw SocketSetupError(description: "cannot give \(directory) its mode and the configured group: \(problem)")
        }
        return fd
    }

    /// A fresh directory for binding, mode 0700, next to the socket's final name (the rename
    /// must stay on one file system).
    private static func makeStagingDirectory(in directory: CInt, for path: String) throws -> (CInt, String) {
        for _ in 0..<16 {
            let name = ".authmux-" + String(UInt64.random(in: .min ... .max), radix: 36)
            guard mkdirat(directory, name, 0o700) == 0 else {
                if errno == EEXIST { continue }
                throw SocketSetupError(description: "cannot create a directory beside \(path) to bind in: \(errorText())")
            }
            let fd = try openOwnDirectory(directory, name, describedAs: "\(parentDirectory(of: path))/\(name)")
            guard fchmod(fd, 0o700) == 0 else {
                let problem = errorText()
                close(fd)
                _ = unlinkat(directory, name, AT_REMOVEDIR)
                throw SocketSetupError(description: "cannot restrict the directory beside \(path) to bind in: \(problem)")
            }
            return (fd, name)
        }
        throw SocketSetupError(description: "cannot create a directory beside \(path) to bind in: every name tried exists")
    }

    /// Opens a directory just made with `mkdirat`, and checks that it is still the one made: the
    /// parent's owner may have replaced it between the two calls.
    private static func openOwnDirectory(_ parent: CInt, _ name: String, describedAs path: String) throws -> CInt {
        let fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else {
            throw SocketSetupError(description: "cannot open \(path) just created: \(errorText())")
        }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_uid == geteuid() else {
            close(fd)
            throw SocketSetupError(description: "\(path) was replaced while being created; refusing to use it")
        }
        return fd
    }

    static func lastComponent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let parent = String(path[..<slash])
        return parent.isEmpty ? "/" : parent
    }

    static func errorText() -> String {
        String(cString: strerror(errno))
    }
}
