public import AuthWire
/// The one identity a request stands for once the realm rules have run. Bytes throughout:
/// two requests are the same user only when these bytes are equal. Each backend derives from
/// it, once per request, what it asks its store (`BackendSettings.lookup(for:)`).
public struct CanonicalIdentity: Sendable, Hashable, CustomStringConvertible {
    public var user: ByteString
    /// Canonical realm: ASCII-lowercase, no trailing dot, aliases applied. May be empty when no
    /// realm was given and `realms.default` is unset.
    public var realm: ByteString
    /// The login exactly as the client sent it, for `identity: as_sent`.
    public var loginAsSent: ByteString

    public init(user: ByteString, realm: ByteString, loginAsSent: ByteString) {
        self.user = user
        self.realm = realm
        self.loginAsSent = loginAsSent
    }

    /// `user@realm`, or the bare user when the realm is empty.
    public var qualified: ByteString {
        user.qualified(by: realm)
    }

    public var description: String { qualified.text }
}
