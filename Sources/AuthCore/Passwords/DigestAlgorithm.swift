/// The plain digests Dovecot's salted and unsalted schemes are built on.
public enum DigestAlgorithm: String, Sendable, Equatable {
    case md5 = "MD5"
    case sha1 = "SHA1"
    case sha256 = "SHA256"
    case sha512 = "SHA512"

    /// Length of the digest in bytes: what tells a salted entry's digest from its salt, and a
    /// hex spelling from a base64 one when the scheme name does not say.
    public var byteCount: Int {
        switch self {
        case .md5: return 16
        case .sha1: return 20
        case .sha256: return 32
        case .sha512: return 64
        }
    }
}
