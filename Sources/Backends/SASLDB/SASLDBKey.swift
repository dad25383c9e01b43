/// The `(user, realm)` pair under which saslpasswd2 files a password
/// (`user NUL realm NUL userPassword` in the Berkeley DB file).
struct SASLDBKey: Hashable, Sendable {
    var user: String
    var realm: String
}
