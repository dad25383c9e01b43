/// `run_as: { user, group }`: the account authmuxd switches to once every socket is bound.
///
/// Names are kept as written, each with the located error to report if the host has no such
/// account: the daemon resolves them at start (AuthCore does not touch the host's databases).
public struct RunAsConfig: Sendable, Equatable {
    /// A user name, or a numeric uid written as digits.
    public var user: String
    /// A group name or numeric gid; nil means the user's primary group.
    public var group: String?
    public var userError: ConfigError
    public var groupError: ConfigError?

    public init(user: String, group: String? = nil, userError: ConfigError, groupError: ConfigError? = nil) {
        self.user = user
        self.group = group
        self.userError = userError
        self.groupError = groupError
    }

    /// For `check-config`.
    public var summary: String {
        "user \(user), group \(group ?? "(the user's primary group)")"
    }
}
