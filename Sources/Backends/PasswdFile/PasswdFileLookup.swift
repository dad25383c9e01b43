public import AuthWire

/// What a passwd-file backend looks up for one request: which file (the realm's, for a
/// `%d` path) and the user field to find in it, byte for byte.
public struct PasswdFileLookup: Sendable {
    /// nil when the realm cannot name a file (empty, or holding `/`): the user is unknown.
    public var path: String?
    public var user: ByteString
}
