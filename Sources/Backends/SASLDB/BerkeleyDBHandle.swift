import AuthWire
import CBerkeleyDB
#if canImport(Glibc)
import Glibc
#endif

/// An open, read-only, free-threaded libdb handle on a sasldb file, for point look-ups: the
/// pool threads share it while the file stays as it was when it was opened (`version`), and
/// the last of them to let go closes it. Blocking: pool only.
final class BerkeleyDBHandle: @unchecked Sendable {
    // A DB_THREAD handle may be used by several threads at once (libdb's own guarantee).
    private let db: UnsafeMutablePointer<DB>
    let version: FileVersion
    private let path: String

    init(path: String, version: FileVersion) throws(SASLDBError) {
        var handle: UnsafeMutablePointer<DB>?
        var status = db_create(&handle, nil, 0)
        guard status == 0, let db = handle else { throw SASLDBError(description: "libdb: \(BerkeleyDBReader.message(status))") }
        status = authmux_db_open_shared(db, path)
        guard status == 0 else {
            _ = authmux_db_close(db)
            throw SASLDBError(description: "cannot open \(path): \(BerkeleyDBReader.message(status))")
        }
        self.db = db
        self.version = version
        self.path = path
    }

    deinit {
        _ = authmux_db_close(db)
    }

    /// The `userPassword` of `key`, nil when the file has none.
    func password(for key: SASLDBKey) throws(SASLDBError) -> Secret? {
        let wanted = key.bytes.bytes + [0] + BerkeleyDBReader.propertyName
        var data: UnsafeMutableRawPointer?
        var size: UInt32 = 0
        let status = wanted.withUnsafeBytes { authmux_db_get_malloc(db, $0.baseAddress, UInt32($0.count), &data, &size) }
        if status == DB_NOTFOUND { return nil }
        guard status == 0, let data else { throw SASLDBError(description: "cannot read \(path): \(BerkeleyDBReader.message(status))") }
        let bytes = UnsafeMutableRawBufferPointer(start: data, count: Int(size))
        defer {
            Secret.wipe(bytes)
            free(data)
        }
        return Secret(copying: UnsafeRawBufferPointer(bytes))
    }
}
