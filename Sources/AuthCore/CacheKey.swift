package import AuthWire
/// What a cached answer is filed under: the route and, for every backend on it, exactly what
/// that backend is asked (`BackendLookup.asked`, which holds the client's host where a store
/// sees it: a PAM stack may allow a user from one host and refuse the same password from
/// another). Two requests share an entry only when every store would be asked the same thing,
/// so an answer can never be replayed for an identity a backend did not accept: `aliceu` and
/// `aliceu@example.com` are one key for a pam `identity: bare` backend and two for `as_sent`.
public struct CacheKey: Hashable, Sendable {
    package let bytes: ByteString

    /// Each part is length-prefixed, so no two different lists of questions make the same key.
    package init(route: Int, asked: [ByteString]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + asked.reduce(0) { $0 + $1.count + 4 })
        Self.append(UInt32(truncatingIfNeeded: route), to: &bytes)
        for part in asked {
            Self.append(UInt32(truncatingIfNeeded: part.count), to: &bytes)
            bytes.append(contentsOf: part.bytes)
        }
        self.bytes = ByteString(bytes)
    }

    /// What each backend was asked, decoded back from the key, for tests and diagnostics.
    package var asked: [ByteString] {
        var parts: [ByteString] = []
        var index = 4
        let raw = bytes.bytes
        while index + 4 <= raw.count {
            let length = raw[index..<(index + 4)].reduce(0) { $0 << 8 | Int($1) }
            index += 4
            guard index + length <= raw.count else { break }
            parts.append(ByteString(Array(raw[index..<(index + length)])))
            index += length
        }
        return parts
    }

    private static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 24))
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }
}
