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
        var entries: [SASLDBKey: Secret] = [:]
        try forEachPassword(path: path) { key, password in
            entries[SASLDBKey(raw: ByteString(bytes: key))] = Secret(copying: password)
        }
        return entries
    }

    /// The whole file packed into one table (the backend's in-memory copy).
    static func readTable(path: String, fileSize: Int64) throws(SASLDBError) -> SASLDBTable {
        let builder = SASLDBTable.Builder(capacity: Int(clamping: fileSize))
        try forEachPassword(path: path) { key, password in builder.append(key: key, password: password) }
        return builder.finish()
    }

    /// Walks the file with a cursor and hands `body` each `userPassword` entry: the key's
    /// `user NUL realm` and the value, both valid only during the call (libdb's own memory).
    static func forEachPassword(path: String, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) throws(SASLDBError) {
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

        while true {
            var key = DBT()
            var data = DBT()
            status = authmux_dbc_next(cursor, &key, &data)
            if status == DB_NOTFOUND { break }
            guard status == 0 else { throw SASLDBError(description: "cannot read \(path): \(message(status))") }
            let keyBytes = UnsafeRawBufferPointer(start: key.data, count: Int(key.size))
            guard let userAndRealm = userAndRealm(keyBytes) else { continue }
            body(userAndRealm, UnsafeRawBufferPointer(start: data.data, count: Int(data.size)))
        }
    }

    /// `user NUL realm NUL property`: the `user NUL realm` part, nil for other properties.
    /// Names are kept as the bytes saslpasswd2 wrote: a request matches an entry only when its
    /// bytes are the same.
    static func userAndRealm(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard let first = bytes.firstIndex(of: 0),
              let second = bytes[(first + 1)...].firstIndex(of: 0),
              bytes[(second + 1)...].elementsEqual(propertyName)
        else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[..<second])
    }

    static func message(_ status: Int32) -> String {
        String(cString: db_strerror(status))
    }
}
