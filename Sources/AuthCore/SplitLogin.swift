/// Where a login that contains `@` is split into user and realm (`realms.split_login`).
public enum SplitLogin: String, Sendable, CaseIterable {
    /// At the last `@`: `a@b@example.com` is user `a@b`, realm `example.com` (the default,
    /// because user names may contain `@` but realms never do).
    case last
    /// At the first `@`.
    case first
    /// Never: the whole login is the user and the realm comes from the request's realm field.
    case never
}
