public import NIOCore

/// A backend's validated configuration. Decoding it is the job of its `BackendKind`, so that
/// `check-config` catches every backend's mistakes without starting anything.
public protocol BackendSettings: Sendable {
    /// The backend's typed question for one request.
    associatedtype Lookup: Sendable

    /// The `type:` value (`sasldb`, `pam`, `ldap`).
    var type: String { get }
    /// One line describing the settings for `check-config`.
    var summary: String { get }
    /// True when the store uses the client address (PAM's `PAM_RHOST`); the daemon then waits
    /// for a possible fifth field before starting the check.
    var usesClientAddress: Bool { get }
    /// What the backend needs from the account authmuxd runs as (see `run_as`).
    var privilegeNeed: PrivilegeNeed { get }
    /// The failure delay this store is expected to ask for (pam_unix asks for 2 s), so that
    /// every failure on a route waits as long from the first one on, whichever backend ended it.
    var expectedFailureDelay: TimeAmount { get }

    /// What this backend asks its store for `subject`. Pure and cheap (no I/O, no blocking):
    /// called once per request on the thread that read it, and by `authmuxd explain`.
    func lookup(for subject: CheckSubject) -> BackendLookup<Lookup>

    /// What this backend would be asked for `subject`, at length, for `authmuxd explain`;
    /// `lookup(for:).shown` unless the backend has more to say.
    func explain(_ subject: CheckSubject) -> String
}

extension BackendSettings {
    /// Most stores need no more than the network or files the administrator hands over.
    public var privilegeNeed: PrivilegeNeed { .none }

    public var expectedFailureDelay: TimeAmount { .zero }

    /// What this backend would be asked for `subject`, at length, for `authmuxd explain`.
    public func explain(_ subject: CheckSubject) -> String {
        String(decoding: lookup(for: subject).shown, as: UTF8.self)
    }
}
