/// How the bytes of a digest scheme are spelled in the file: Dovecot's `.b64` / `.hex`
/// suffixes, or the scheme's default.
public enum HashEncoding: Sendable, Equatable {
    case base64
    case hex
    /// The scheme's own text (crypt strings, Argon2 and PBKDF2 encodings, plain text).
    case none
}
