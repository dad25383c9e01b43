public import AuthWire


/// The `(user, realm)` pair under which saslpasswd2 files a password
/// (`user NUL realm NUL userPassword` in the Berkeley DB file), as the bytes of `user NUL realm`:
/// looked up byte for byte, as libsasl2 and saslpasswd2 do.
public struct SASLDBKey: Hashable, Sendable {
    public let bytes: ByteString

    public init(user: ByteString, realm: ByteString) {
        // The NUL even for an empty realm: saslpasswd2 files `user NUL NUL userPassword` then.
        bytes = user.joined(by: 0, with: realm)
    }

    init(raw: ByteString) {
        bytes = raw
    }
}
