import AuthWire
import Logging
import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#endif

/// One passwd-file the backend reads: its inotify watch and its current snapshot.
///
/// A change (an edit in place, or an editor's or `authmuxd user`'s write-and-rename) moves the
/// watch's count; the next check then takes the pool path, which re-reads and re-parses the
/// file once. Parsing is linear and cheap next to one password hash, and what is expensive —
/// verifying passwords — is not redone for users whose entry did not change (see
/// `VerifiedPasswords`).
final class PasswdFileSource: Sendable {
    let path: String
    private let backend: String
    private let logger: Logger
    private let watch: FileChangeWatch?
    private let current = NIOLockedValueBox<PasswdFileSnapshot?>(nil)
    /// Serializes re-reads so a burst of checks after a change reads the file once.
    private let reloadLock = NIOLock()

    init(path: String, backend: String, logger: Logger) {
        self.path = path
        self.backend = backend
        self.logger = logger
        self.watch = FileChangeWatch(path: path)
    }

    var isWatched: Bool { watch != nil }

    /// The snapshot while the watch proves the file unchanged; never blocks.
    func unchangedSnapshot() -> PasswdFileSnapshot? {
        guard let watch, let snapshot = current.withLockedValue({ $0 }), snapshot.watchCount == watch.poll() else { return nil }
        return snapshot
    }

    /// The watch's change count (nil without inotify): moves with every write to the file.
    func generation() -> Int? {
        watch?.poll()
    }

    /// The snapshot matching the file as it is now, re-reading it if needed. Blocking: pool only.
    func fresh() -> Result<PasswdFileSnapshot, PasswdFileError> {
        guard let stamp = FileStamp.of(path: path) else {
            let missing = errno == ENOENT
            current.withLockedValue { $0 = nil }
            return .failure(PasswdFileError(description: "\(path): \(String(cString: strerror(errno)))", missing: missing))
        }
        if let snapshot = current.withLockedValue({ $0 }), isCurrent(snapshot, stamp: stamp) {
            return .success(snapshot)
        }
        return reloadLock.withLock {
            if let snapshot = current.withLockedValue({ $0 }), isCurrent(snapshot, stamp: stamp) {
                return .success(snapshot)
            }
            return reload()
        }
    }

    private func isCurrent(_ snapshot: PasswdFileSnapshot, stamp: FileStamp) -> Bool {
        guard snapshot.stamp == stamp else { return false }
        if let watch { return snapshot.watchCount == watch.poll() }
        return snapshot.isSettled
    }

    /// Reads and parses the file; if it changed while being read, reads it again, so a
    /// half-written state is never served.
    private func reload() -> Result<PasswdFileSnapshot, PasswdFileError> {
        var lastError = PasswdFileError(description: "\(path): changed on every read")
        for _ in 0..<5 {
            let watchCount = watch?.poll() ?? 0
            watch?.watchFile()
            let started = SASLDBBackend.now()
            guard let before = FileStamp.of(path: path) else {
                current.withLockedValue { $0 = nil }
                return .failure(PasswdFileError(description: "\(path): \(String(cString: strerror(errno)))", missing: errno == ENOENT))
            }
            switch Self.readFile(path) {
            case .failure(let error):
                lastError = error
                continue
            case .success(let bytes):
                guard FileStamp.of(path: path) == before else { continue }
                let contents = PasswdFileContents.parse(bytes)
                let snapshot = PasswdFileSnapshot(contents: contents, stamp: before, readStarted: started, watchCount: watchCount)
                let previous = current.withLockedValue { old in
                    let previous = old
                    old = snapshot
                    return previous
                }
                if previous?.stamp != before { report(contents) }
                return .success(snapshot)
            }
        }
        // Never answer from an old copy once the file is known to have changed.
        current.withLockedValue { $0 = nil }
        logger.warning("passwd-file unreadable", metadata: ["backend": "\(backend)", "error": "\(lastError)"])
        return .failure(lastError)
    }

    /// One line per read for what is wrong with the file: its malformed lines are skipped and
    /// its duplicated users refused until it is fixed. Line numbers only, never a field.
    private func report(_ contents: PasswdFileContents) {
        logger.info("passwd-file read", metadata: ["backend": "\(backend)", "path": "\(path)", "users": "\(contents.entries.count)"])
        if !contents.malformed.isEmpty {
            let lines = contents.malformed.map { "\($0.line) (\($0.reason))" }.joined(separator: ", ")
            logger.warning("passwd-file: malformed lines skipped", metadata: ["backend": "\(backend)", "path": "\(path)", "lines": "\(lines)"])
        }
        if !contents.duplicates.isEmpty {
            let users = contents.duplicates.values.map { lines in "lines " + lines.map(String.init).joined(separator: " and ") }.sorted().joined(separator: "; ")
            logger.warning("passwd-file: users written more than once are refused", metadata: ["backend": "\(backend)", "path": "\(path)", "duplicates": "\(users)"])
        }
    }

    /// The whole file, through read(2).
    static func readFile(_ path: String) -> Result<[UInt8], PasswdFileError> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            return .failure(PasswdFileError(description: "\(path): \(String(cString: strerror(errno)))", missing: errno == ENOENT))
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(PasswdFileError(description: "\(path): \(String(cString: strerror(errno)))"))
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return .success(bytes)
    }
}
