public import AuthWire


/// The `(user, realm)` pair under which saslpasswd2 files a password
/// (`user NUL realm NUL userPassword` in the Berkeley DB file), as the bytes of `user NUL realm`:
/// looked up byte for byte, as libsasl2 and saslpasswd2 do.
public struct SASLDBKey: Hashable, Sendable {
    public let bytes: ByteString

    public init(user: ByteString, realm: ByteString) {
        // One allocation: `+` built two intermediate arrays on every check.
        var joined: [UInt8] = []
        joined.reserveCapacity(user.count + 1 + realm.count)
        joined.append(contentsOf: user.bytes)
        joined.append(0)
        joined.append(contentsOf: realm.bytes)
        bytes = ByteString(joined)
    }

    init(raw: ByteString) {
        bytes = raw
    }
}
