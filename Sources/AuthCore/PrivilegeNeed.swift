/// What a backend needs from the account authmuxd runs as, so that `run_as` can be judged
/// before root is given up rather than discovered on the first check.
///
/// A backend only declares its needs; the daemon checks them against the real account, since
/// AuthCore and the backends' settings do not look at the host.
public struct PrivilegeNeed: Sendable, Equatable {
    /// Files the backend opens after start (a sasldb is re-read when it changes). An account
    /// that cannot read one of them is a configuration mistake, not a reason to keep root.
    public var readsFiles: [String]
    /// Why the backend needs root, or nil when it can work without it.
    public var rootReason: String?
    /// The need for root lapses when the account can read this file: pam_unix reads
    /// /etc/shadow itself when its caller may, and only needs root because usually it may not.
    public var rootUnlessReadable: String?

    public init(readsFiles: [String] = [], rootReason: String? = nil, rootUnlessReadable: String? = nil) {
        self.readsFiles = readsFiles
        self.rootReason = rootReason
        self.rootUnlessReadable = rootUnlessReadable
    }

    /// Nothing beyond what any account has (an LDAP backend only opens network connections).
    public static let none = PrivilegeNeed()
}
