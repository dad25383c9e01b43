/// The two Argon2 variants Dovecot writes (`{ARGON2I}`, `{ARGON2ID}`); the encoded string
/// names its variant too (`$argon2id$`), and the two must agree.
public enum Argon2Variant: String, Sendable, Equatable {
    case i = "argon2i"
    case id = "argon2id"
}
