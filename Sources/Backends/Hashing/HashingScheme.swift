/// The schemes authmux writes (`authmuxd pw -s`, `user add|passwd --scheme`, `rehash`), by the
/// name Dovecot's `doveadm pw -s` takes. Only schemes that are not weak: the tool never makes
/// an entry the backend would refuse.
public enum HashingScheme: String, Sendable, CaseIterable {
    /// The default: libxcrypt's yescrypt, written `{CRYPT}$y$…` so Dovecot reads it too.
    case yescrypt = "YESCRYPT"
    case argon2id = "ARGON2ID"
    case argon2i = "ARGON2I"
    case bcrypt = "BLF-CRYPT"
    case sha512Crypt = "SHA512-CRYPT"
    case sha256Crypt = "SHA256-CRYPT"
    case pbkdf2 = "PBKDF2"
    case ssha512 = "SSHA512"
    case ssha256 = "SSHA256"
    case ssha = "SSHA"
    case sha512 = "SHA512"
    case sha256 = "SHA256"

    public static let defaultScheme = HashingScheme.yescrypt

    /// Case-insensitive, as doveadm takes scheme names.
    public init?(name: String) {
        self.init(rawValue: name.uppercased())
    }
}
