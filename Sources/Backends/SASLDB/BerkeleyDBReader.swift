import AuthWire
import AuthCore
import CBerkeleyDB
#if canImport(Glibc)
import Glibc
#endif

/// Reads every `userPassword` entry of a sasldb file through libdb. Blocking: call it only from
/// the backend's thread pool.
enum BerkeleyDBReader {
    static let propertyName = Array("userPassword".utf8)

    static func readPasswords(path: String) throws(SASLDBError) -> [SASLDBKey: Secret] {
        var handle: UnsafeMutablePointer<DB>?
        var status = db_create(&handle, nil, 0)
        guard status == 0, let db = handle else { throw SASLDBError(description: "libdb: \(message(status))") }
        defer { _ = authmux_db_close(db) }
        status = authmux_db_open_readonly(db, path)
        guard status == 0 else { throw SASLDBError(description: "cannot open \(path): \(message(status))") }

        var cursorHandle: UnsafeMutablePointer<DBC>?
        status = authmux_db_cursor(db, &cursorHandle)
        guard status == 0, let cursor = cursorHandle else { throw SASLDBError(description: "cannot read \(path): \(message(status))") }
        defer { _ = authmux_dbc_close(cursor) }

        var entries: [SASLDBKey: Secret] = [:]
        while true {
            var key = DBT()
            var data = DBT()
            status = authmux_dbc_next(cursor, &key, &data)
            if status == DB_NOTFOUND { break }
            guard status == 0 else { throw SASLDBError(description: "cannot read \(path): \(message(status))") }
            let keyBytes = UnsafeRawBufferPointer(start: key.data, count: Int(key.size))
            guard let parsed = parseKey(keyBytes) else { continue }
            entries[parsed] = Secret(copying: UnsafeRawBufferPointer(start: data.data, count: Int(data.size)))
        }
        return entries
    }

    /// `user NUL realm NUL property`; nil for other properties. Names are kept as the bytes
    /// saslpasswd2 wrote: a request matches an entry only when its bytes are the same.
    static func parseKey(_ bytes: UnsafeRawBufferPointer) -> SASLDBKey? {
        let parts = bytes.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2].elementsEqual(propertyName) else { return nil }
        return SASLDBKey(user: ByteString(bytes: parts[0]), realm: ByteString(bytes: parts[1]))
    }

    static func message(_ status: Int32) -> String {
        String(cString: db_strerror(status))
    }
}
