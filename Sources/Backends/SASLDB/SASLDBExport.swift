public import AuthWire

/// Every user of a sasldb file with its clear-text password, for `authmuxd user
/// import-sasldb`: the same reader the backend uses, so the import sees exactly the users
/// authmux would have served. Blocking (libdb).
public enum SASLDBExport {
    public struct Entry: Sendable {
        public var user: ByteString
        public var realm: ByteString
        public var password: Secret
    }

    public static func entries(path: String) throws -> [Entry] {
        let passwords: [SASLDBKey: Secret]
        do {
            passwords = try BerkeleyDBReader.readPasswords(path: path)
        } catch {
            throw PasswdFileEditError(error.description)
        }
        return passwords.compactMap { key, password in
            let bytes = key.bytes.bytes
            guard let nul = bytes.firstIndex(of: 0) else { return nil }
            return Entry(user: ByteString(Array(bytes[..<nul])), realm: ByteString(Array(bytes[(nul + 1)...])), password: password)
        }
        .sorted { a, b in
            a.realm != b.realm ? a.realm.bytes.lexicographicallyPrecedes(b.realm.bytes) : a.user.bytes.lexicographicallyPrecedes(b.user.bytes)
        }
    }
}
