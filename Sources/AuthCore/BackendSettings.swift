/// A backend's validated configuration. Decoding it is the job of its `BackendKind`, so that
/// `check-config` catches every backend's mistakes without starting anything.
public protocol BackendSettings: Sendable {
    /// The `type:` value (`sasldb`, `pam`, `ldap`).
    var type: String { get }
    /// One line describing the settings for `check-config`.
    var summary: String { get }
    /// What this backend would look up for the identity, for `authmuxd explain`.
    func describeLookup(identity: CanonicalIdentity, service: String) -> String
    /// True when the store uses the client address (PAM's `PAM_RHOST`); the daemon then waits
    /// for a possible fifth field before starting the check.
    var usesClientAddress: Bool { get }
    /// What the backend needs from the account authmuxd runs as (see `run_as`).
    var privilegeNeed: PrivilegeNeed { get }
}

extension BackendSettings {
    /// Most stores need no more than the network or files the administrator hands over.
    public var privilegeNeed: PrivilegeNeed { .none }
}
