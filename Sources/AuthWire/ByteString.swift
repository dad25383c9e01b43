/// A name as the client sent it: bytes, compared and hashed as bytes.
///
/// Swift's `String` compares and hashes by canonical equivalence, so `josé` written with a
/// precomposed `é` and with `e` + a combining accent are one `String` key, while saslpasswd2,
/// PAM and every store authmux asks see two different users. Logins, realms and services
/// therefore travel as bytes from the wire to the store; `String` is used only to show them.
public struct ByteString: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public init<Bytes: Sequence>(bytes: Bytes) where Bytes.Element == UInt8 {
        self.bytes = Array(bytes)
    }

    /// The UTF-8 bytes of `text` exactly as written: no normalization.
    public init(_ text: String) {
        self.bytes = Array(text.utf8)
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }

    public static let empty = ByteString([])

    public var isEmpty: Bool { bytes.isEmpty }
    public var count: Int { bytes.count }

    /// `user@realm` for this user, or the user alone when `realm` is empty.
    public func qualified(by realm: ByteString) -> ByteString {
        realm.isEmpty ? self : joined(by: UInt8(ascii: "@"), with: realm)
    }

    /// These bytes, `separator`, then `other`'s, built in one allocation (`+` made two
    /// intermediate arrays on every check).
    public func joined(by separator: UInt8, with other: ByteString) -> ByteString {
        var joined: [UInt8] = []
        joined.reserveCapacity(count + 1 + other.count)
        joined.append(contentsOf: bytes)
        joined.append(separator)
        joined.append(contentsOf: other.bytes)
        return ByteString(joined)
    }

    /// The bytes as text, for logs and messages only. Fields that reached the engine passed
    /// `FieldRules`, so they are valid UTF-8 and this is lossless for them.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    public var description: String { text }

    public static func == (lhs: ByteString, rhs: ByteString) -> Bool {
        lhs.bytes == rhs.bytes
    }

    /// Hashes the bytes as one block: the same equality as `==`, at memory speed.
    public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        hasher.combine(bytes.count)
    }

    public func hasPrefix(_ prefix: ByteString) -> Bool {
        bytes.starts(with: prefix.bytes)
    }

    /// `self` with ASCII `A`-`Z` lowered and every other byte kept. DNS names (realms) compare
    /// case-insensitively in ASCII only; Unicode case mapping would make distinct names equal
    /// (the Kelvin sign `K` lowers to `k`).
    public var asciiLowercased: ByteString {
        guard bytes.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return self }
        return ByteString(bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 })
    }

    /// Index of the first or last `@` byte. In UTF-8 the byte 0x40 is only ever the character
    /// `@`, never part of another character, so a byte search splits exactly where every
    /// byte-oriented peer (libsasl2, saslpasswd2) does.
    public func firstIndex(of byte: UInt8) -> Int? { bytes.firstIndex(of: byte) }
    public func lastIndex(of byte: UInt8) -> Int? { bytes.lastIndex(of: byte) }

    public subscript(range: Range<Int>) -> ByteString { ByteString(Array(bytes[range])) }

    public static func + (lhs: ByteString, rhs: ByteString) -> ByteString { ByteString(lhs.bytes + rhs.bytes) }
}
