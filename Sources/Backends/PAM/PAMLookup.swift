public import AuthWire


/// What one check asks PAM: the service file, the user, and the remote host.
public struct PAMLookup: Sendable {
    /// nil when the request's service cannot name a PAM service file (the check is then
    /// refused without calling PAM).
    public var service: String?
    public var user: ByteString
    public var remoteHost: ByteString?
}
