/// The outcome of checking one password against one stored entry.
public enum PasswordCheck: Sendable, Equatable {
    case match
    case mismatch
    /// The entry cannot be checked as written (truncated hash, bad encoding, parameters the
    /// library refuses). The reason never holds the hash or the password.
    case corrupt(reason: String)
    /// A weak or clear-text scheme while `allow_weak_schemes` is off.
    case refused(scheme: String)
    /// A scheme authmux does not verify (CRAM-MD5, SCRAM, an unknown name).
    case unsupported(scheme: String)
}
