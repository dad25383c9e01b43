import AuthWire
#if canImport(Glibc)
import Glibc
#endif

/// `password_file:`: the database password alone in a file (a trailing newline dropped) that
/// only its owner, root or authmuxd's own account, may read.
enum SQLPasswordFile {
    /// Why the file may not be used, or nil when its owner and mode are right.
    static func permissionProblem(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return "\(path): \(String(cString: strerror(errno)))" }
        guard info.st_uid == 0 || info.st_uid == geteuid() else {
            return "\(path) is owned by uid \(info.st_uid); it must belong to root (or the account authmuxd runs as)"
        }
        guard info.st_mode & 0o077 == 0 else {
            return "\(path) has mode \(String(info.st_mode & 0o777, radix: 8)): others may read the database password (chmod 600 it)"
        }
        return nil
    }

    static func read(_ path: String) -> Result<Secret, SQLFailure> {
        if let problem = permissionProblem(path) { return .failure(SQLFailure(problem)) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(SQLFailure("\(path): \(String(cString: strerror(errno)))")) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        defer { buffer.withUnsafeMutableBytes { Secret.wipe($0) } }
        var total = 0
        while total < buffer.count {
            let got = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + total, $0.count - total) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { return .failure(SQLFailure("\(path): \(String(cString: strerror(errno)))")) }
            if got == 0 { break }
            total += got
        }
        guard total < buffer.count else { return .failure(SQLFailure("\(path) is longer than a password")) }
        while total > 0 && (buffer[total - 1] == UInt8(ascii: "\n") || buffer[total - 1] == UInt8(ascii: "\r")) { total -= 1 }
        guard total > 0 else { return .failure(SQLFailure("\(path) is empty")) }
        return .success(buffer.withUnsafeBytes { Secret(copying: UnsafeRawBufferPointer(rebasing: $0[0..<total])) })
    }
}
