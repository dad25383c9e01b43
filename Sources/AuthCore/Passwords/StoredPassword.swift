/// A password field as a store holds it, split into its scheme and the scheme's own text.
///
/// Dovecot's rules (password-scheme.c, `password_get_scheme`): `{NAME}` or `{NAME.b64}` /
/// `{NAME.hex}` in front names the scheme; an entry that starts `$1$` is MD5-CRYPT; anything
/// else without braces is a crypt(3) string (passwd-file's default scheme is CRYPT).
public struct StoredPassword: Sendable, Equatable {
    public var scheme: PasswordScheme
    /// What follows the `{NAME}` prefix.
    public var payload: [UInt8]
    /// The encoding of digest bytes: the suffix's, or the scheme's default.
    public var encoding: HashEncoding
    /// True when the name carried `.b64` / `.hex`; otherwise Dovecot guesses hex for an
    /// unsalted digest whose length is exactly twice the digest's.
    public var encodingWasNamed: Bool

    public init(field: [UInt8]) {
        if field.first == UInt8(ascii: "{"), let close = field.firstIndex(of: UInt8(ascii: "}")) {
            let written = String(decoding: field[1..<close], as: UTF8.self).uppercased()
            let payload = Array(field[(close + 1)...])
            let parts = written.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            var scheme = PasswordScheme.named(String(parts[0]), payload: payload)
            var encoding = scheme.defaultEncoding
            var named = false
            if parts.count == 2 {
                switch parts[1] {
                case "B64", "BASE64": encoding = .base64; named = true
                case "HEX": encoding = .hex; named = true
                default:
                    // Dovecot treats an unknown encoding as an unknown scheme.
                    scheme = PasswordScheme(name: written, method: .unsupported, isWeak: true)
                }
            }
            self.init(scheme: scheme, payload: payload, encoding: encoding, encodingWasNamed: named)
        } else {
            self.init(scheme: PasswordScheme.crypt(field), payload: field, encoding: .none, encodingWasNamed: false)
        }
    }

    public init(scheme: PasswordScheme, payload: [UInt8], encoding: HashEncoding, encodingWasNamed: Bool) {
        self.scheme = scheme
        self.payload = payload
        self.encoding = encoding
        self.encodingWasNamed = encodingWasNamed
    }
}
