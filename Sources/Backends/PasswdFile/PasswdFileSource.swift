import AuthWire
import Logging
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// One passwd-file the backend reads: its copy in memory, kept exact by a `WatchedFile` (the
/// same machinery as the sasldb backend's).
///
/// While the watch proves the file unchanged, checks find their entry in the parsed copy. After
/// a change (an edit in place, or an editor's or `authmuxd user`'s write-and-rename), checks
/// find their one entry by a pass over the file's bytes that builds nothing for anyone else
/// (`PasswdFileContents.find`), and the file is parsed whole again in the background once it
/// has been quiet for `reread_after`. What is expensive — verifying passwords — is not redone
/// for users whose entry did not change (see `VerifiedPasswords`).
final class PasswdFileSource: Sendable {
    let path: String
    private let backend: String
    private let logger: Logger
    private let file: WatchedFile<PasswdFileSnapshot, PasswdFileError>

    init(path: String, backend: String, rereadAfter: TimeAmount, pool: NIOThreadPool, watched: Bool, logger: Logger) {
        self.path = path
        self.backend = backend
        self.logger = logger
        self.file = WatchedFile(path: path, rereadAfter: rereadAfter, pool: pool, watched: watched) { version in
            switch Self.readFile(path) {
            case .failure(let error):
                return .failure(error)
            case .success(let bytes):
                let contents = PasswdFileContents.parse(bytes)
                Self.report(contents, path: path, backend: backend, logger: logger)
                return .success(PasswdFileSnapshot(contents: contents, version: version))
            }
        }
    }

    var isWatched: Bool { file.isWatched }

    var wholeReads: Int { file.wholeReads }

    /// The snapshot while the watch proves the file unchanged; never blocks.
    func unchangedSnapshot() -> PasswdFileSnapshot? {
        file.unchangedCopy()
    }

    /// The watch's change count (nil without inotify): moves with every write to the file.
    func generation() -> Int? {
        file.generation()
    }

    /// What the file holds for `user` now: from the copy if it is current, else from one pass
    /// over the file as it is. A point read is trusted at once only if the entry it found
    /// `provesItself` (verifies the password given) and is found again if the file's stamp is
    /// young; anything else waits until the file has settled (see `WatchedFile.consistently`).
    /// Blocking: pool only.
    func find(_ user: ByteString, provesItself: (PasswdFileEntry) -> Bool) -> Result<PasswdFileFound, PasswdFileError> {
        if let snapshot = file.currentCopy() { return .success(snapshot.contents.find(user)) }
        let found = file.consistently(settle: { found in
            guard case .success(.entry(let entry)) = found else { return true }
            return !provesItself(entry)
        }) { _ in Self.readFile(path).map { PasswdFileContents.find(user, in: $0) } }
        if case .failure(let error) = found, !error.missing {
            logger.warning("passwd-file unreadable", metadata: ["backend": "\(backend)", "error": "\(error)"])
        }
        return found
    }

    /// Reads the file whole now unless the copy is current (start-up). Blocking: pool only.
    func load() -> Result<PasswdFileSnapshot, PasswdFileError> {
        file.load()
    }

    func stop() {
        file.stop()
    }

    /// One line per read for what is wrong with the file: its malformed lines are skipped and
    /// its duplicated users refused until it is fixed. Line numbers only, never a field.
    private static func report(_ contents: PasswdFileContents, path: String, backend: String, logger: Logger) {
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
