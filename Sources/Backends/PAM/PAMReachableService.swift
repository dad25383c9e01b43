public import AuthCore

/// A PAM service a backend can hand to libpam, and the setting that makes it reachable: each
/// is judged at start, reload and check-config, and a finding is reported at that setting.
public struct PAMReachableService: Sendable, Equatable {
    /// As libpam opens it.
    public var name: String
    /// file, line and key of the setting; its message is filled in by the finding.
    public var origin: ConfigError

    public init(name: String, origin: ConfigError) {
        self.name = name
        self.origin = origin
    }
}
