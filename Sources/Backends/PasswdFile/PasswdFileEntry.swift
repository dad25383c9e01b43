public import AuthWire

/// One user of a passwd-file: the password field as written and where it was written.
///
/// The field is kept as bytes: in a hashed file it holds no secret, and `{PLAIN}` entries are
/// refused unless `allow_weak_schemes` says otherwise.
public struct PasswdFileEntry: Sendable {
    public var user: ByteString
    public var password: [UInt8]
    public var line: Int
}
