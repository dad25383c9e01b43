import AuthCore
#if canImport(Glibc)
import Glibc
#endif

/// Gets a socket path ready for binding, and cleans it up afterwards: creates the directory,
/// removes a stale socket left by a crashed daemon, and refuses to touch a path where another
/// daemon still answers or where something other than a socket lives.
enum SocketPreparer {
    /// Resolves the listener's group; a group that does not exist is a configuration error.
    static func groupID(for listener: ListenerConfig) throws -> gid_t? {
        guard let name = listener.group else { return nil }
        guard let entry = getgrnam(name) else {
            throw listener.groupError ?? ConfigError(file: "", line: 0, column: 0, keyPath: "listen.group", message: "group \"\(name)\" does not exist")
        }
        return entry.pointee.gr_gid
    }

    /// `owner` (the run_as user) gets a directory authmux creates, so it can remove the socket
    /// after root is given up.
    static func prepare(_ listener: ListenerConfig, group: gid_t?, owner: uid_t? = nil) throws {
        let path = listener.path
        let directory = parentDirectory(of: path)
        try makeDirectory(directory, mode: listener.directoryMode, group: group, owner: owner)

        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw SocketSetupError(description: "cannot inspect \(path): \(errorText())")
        }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw SocketSetupError(description: "\(path) exists and is not a socket; refusing to replace it")
        }
        if isAnswering(path) {
            throw SocketSetupError(description: "another daemon is already answering on \(path); stop it first (for Cyrus saslauthd: systemctl stop saslauthd)")
        }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw SocketSetupError(description: "cannot remove the stale socket \(path): \(errorText())")
        }
    }

    /// Applies mode and group to the bound socket. The socket is created under a umask that
    /// already yields `mode`, so there is no window with wider permissions; this makes it exact.
    static func finish(_ listener: ListenerConfig, group: gid_t?) throws {
        guard chmod(listener.path, mode_t(listener.mode)) == 0 else {
            throw SocketSetupError(description: "cannot set mode \(ListenerConfig.octal(listener.mode)) on \(listener.path): \(errorText())")
        }
        if let group, chown(listener.path, uid_t.max, group) != 0 {
            throw SocketSetupError(description: "cannot give \(listener.path) to group \(listener.group ?? "?"): \(errorText())")
        }
    }

    /// The umask under which `bind` creates the socket with at most `mode`.
    static func umask(for listener: ListenerConfig) -> mode_t {
        mode_t(0o777 & ~listener.mode)
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

    /// A listening socket bound to `path`, for an `AcceptLane`. It stays blocking: lane threads
    /// wait in `accept` (the kernel wakes one of them per connection), and `shutdown` wakes them
    /// all when the daemon stops. The caller sets the umask around this call.
    static func listen(on path: String, backlog: Int32) throws -> CInt {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketSetupError(description: "cannot create a socket for \(path): \(errorText())") }
        var address = unixAddress(path)
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

    private static func makeDirectory(_ directory: String, mode: UInt32, group: gid_t?, owner: uid_t? = nil) throws {
        var info = stat()
        if stat(directory, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                throw SocketSetupError(description: "\(directory) exists and is not a directory")
            }
            // An existing directory belongs to the administrator (or to the saslauthd package);
            // its permissions are left as they are.
            return
        }
        let parent = parentDirectory(of: directory)
        if parent != directory { try makeDirectory(parent, mode: 0o755, group: nil) }
        guard mkdir(directory, mode_t(mode)) == 0 || errno == EEXIST else {
            throw SocketSetupError(description: "cannot create \(directory): \(errorText())")
        }
        // mkdir applies the umask; set the exact mode.
        chmod(directory, mode_t(mode))
        if group != nil || owner != nil, chown(directory, owner ?? uid_t.max, group ?? gid_t.max) != 0 {
            throw SocketSetupError(description: "cannot give \(directory) to the configured user and group: \(errorText())")
        }
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
