#if canImport(Glibc)
import Glibc
#endif

/// Rewrites a passwd-file the way an administrator's tools must: one writer at a time, and a
/// reader (authmuxd, Dovecot) sees either the old file or the new one, never half of either.
///
/// Every writer — `authmuxd user`, `user import-sasldb`, the backend's `rehash` — takes an
/// exclusive `flock` on `PATH.lock`, reads the file, changes it, writes a temporary file in the
/// same directory, gives it the original's owner and mode, `fsync`s it, renames it over the
/// original and `fsync`s the directory. Because the read happens under the lock, two writers
/// never lose each other's change. The lock is a separate file because the passwd-file itself
/// is replaced by every write: a lock on it would be a lock on an inode that is gone.
public struct PasswdFileEditor: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// Runs `change` on the file's lines under the lock, and writes the result if it returns
    /// true. A missing file is an empty one when `create` is true, an error otherwise.
    @discardableResult
    public func update(create: Bool = false, _ change: (inout PasswdFileLines) throws -> Bool) throws -> Bool {
        let lock = try openLock()
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 {
            guard errno == EINTR else { throw PasswdFileEditError("\(path).lock: flock: \(Self.lastError())") }
        }

        var info = stat()
        let exists = stat(path, &info) == 0
        guard exists || (errno == ENOENT && create) else {
            throw PasswdFileEditError("\(path): \(Self.lastError())")
        }
        var lines = PasswdFileLines(bytes: [])
        if exists {
            switch PasswdFileSource.readFile(path) {
            case .success(let bytes): lines = PasswdFileLines(bytes: bytes)
            case .failure(let error): throw PasswdFileEditError(error.description)
            }
        }
        guard try change(&lines) else { return false }
        // A new file is readable by its owner and group only: it holds password hashes.
        let mode = exists ? info.st_mode & 0o7777 : 0o640
        let owner = exists ? info.st_uid : geteuid()
        let group = exists ? info.st_gid : getegid()
        try write(lines.bytes, mode: mode, owner: owner, group: group)
        return true
    }

    /// Reads the file's lines under the lock (a consistent view even during a rewrite).
    public func read() throws -> PasswdFileLines {
        var result = PasswdFileLines(bytes: [])
        try update { lines in
            result = lines
            return false
        }
        return result
    }

    /// The lock file, made on first use with the passwd-file's owner, group and group
    /// permissions (never more than 0660), so whoever may read the passwd-file — authmuxd under
    /// `run_as`, for `rehash` — can lock it, and nobody else can hold writers up. flock needs
    /// no write access, so a lock file that is only readable is opened read-only.
    private func openLock() throws -> Int32 {
        let lockPath = path + ".lock"
        var lock = open(lockPath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if lock >= 0 {
            var info = stat()
            if stat(path, &info) == 0 {
                _ = fchown(lock, info.st_uid, info.st_gid)
                _ = fchmod(lock, (info.st_mode & 0o660) | 0o600)
            }
            return lock
        }
        lock = open(lockPath, O_RDWR | O_CLOEXEC)
        if lock < 0 && errno == EACCES { lock = open(lockPath, O_RDONLY | O_CLOEXEC) }
        guard lock >= 0 else { throw PasswdFileEditError("\(lockPath): \(Self.lastError())") }
        return lock
    }

    private func write(_ bytes: [UInt8], mode: mode_t, owner: uid_t, group: gid_t) throws {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var template = Array("\(directory)/.\(base).XXXXXX".utf8CString)
        // mkstemp makes the file 0600 and exclusively ours; Glibc's module does not export
        // mkostemp, so close-on-exec is set right after (a tool that forks nothing).
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw PasswdFileEditError("cannot create a temporary file in \(directory): \(Self.lastError())") }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var renamed = false
        defer {
            if !renamed { unlink(temporary) }
        }
        do {
            defer { close(fd) }
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                if written < 0 {
                    if errno == EINTR { continue }
                    throw PasswdFileEditError("\(temporary): write: \(Self.lastError())")
                }
                offset += written
            }
            // Owner first: fchown clears set-id bits, which fchmod then sets as they were.
            if fchown(fd, owner, group) != 0 && (geteuid() == 0 || owner != geteuid()) {
                throw PasswdFileEditError("\(temporary): cannot give it the owner of \(path): \(Self.lastError())")
            }
            guard fchmod(fd, mode) == 0 else { throw PasswdFileEditError("\(temporary): chmod: \(Self.lastError())") }
            guard fsync(fd) == 0 else { throw PasswdFileEditError("\(temporary): fsync: \(Self.lastError())") }
        }
        guard rename(temporary, path) == 0 else { throw PasswdFileEditError("cannot replace \(path): \(Self.lastError())") }
        renamed = true
        // The rename itself is durable only once the directory is.
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }

    static func lastError() -> String {
        String(cString: strerror(errno))
    }
}
