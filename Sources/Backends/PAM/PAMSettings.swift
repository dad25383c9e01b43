public import AuthCore

/// `type: pam`: the host's Linux-PAM stacks, as saslauthd `-a pam` uses them.
public struct PAMSettings: BackendSettings, Equatable {
    public var service: PAMServiceChoice
    /// How the canonical identity is spelled as the PAM user.
    public var identity: IdentityStyle
    /// Size of this backend's own thread pool: the only threads that call into PAM. A PAM check
    /// is mostly CPU (yescrypt) or a network round trip (pam_ldap, SSSD); failure delays never
    /// hold one of these threads.
    public var threads: Int

    public init(service: PAMServiceChoice = .fromRequest, identity: IdentityStyle = .bare, threads: Int = 4) {
        self.service = service
        self.identity = identity
        self.threads = threads
    }

    public var type: String { "pam" }
    /// PAM_RHOST is set from the client address when the request carries one.
    public var usesClientAddress: Bool { true }
    /// authmux cannot tell which modules a stack will load (`%s` picks the file per request),
    /// so it assumes the common one: pam_unix, which checks other users' passwords only when it
    /// can read /etc/shadow itself (its unix_chkpwd helper checks just the caller's own).
    public var privilegeNeed: PrivilegeNeed {
        PrivilegeNeed(
            rootReason: "pam_unix checks other users' passwords by reading /etc/shadow, which only root and the shadow group may read",
            rootUnlessReadable: "/etc/shadow")
    }

    public var summary: String {
        "PAM service \(service), identity \(identity.rawValue), \(threads) thread\(threads == 1 ? "" : "s")"
    }

    public func describeLookup(identity canonical: CanonicalIdentity, service requestService: String) -> String {
        let user = identity.render(canonical)
        guard let name = service.resolve(requestService: requestService) else {
            return "nothing: \"\(requestService)\" cannot name a PAM service file (the check is rejected)"
        }
        return "PAM service \"\(name)\" (/etc/pam.d/\(name)) user \"\(user)\": pam_authenticate, then pam_acct_mgmt"
    }
}
