import AuthWire
public import AuthCore
public import NIOCore

/// `type: pam`: the host's Linux-PAM stacks, as saslauthd `-a pam` uses them.
public struct PAMSettings: BackendSettings, Equatable {
    public var service: PAMServiceChoice
    /// With `service: "%s"`, the request services this backend serves; ignored with a fixed
    /// service (the loader refuses `services:` beside one).
    public var services: PAMServiceAllowList
    /// `allow_passwordless_stacks: true`: a reachable stack that lets a wrong password through
    /// is a warning instead of a refusal to start, for sites that mean it.
    public var allowPasswordlessStacks: Bool
    /// Where a fixed `service:` is written, for findings about its stack.
    public var serviceOrigin: ConfigError
    /// How the canonical identity is spelled as the PAM user.
    public var identity: IdentityStyle
    /// Size of this backend's own thread pool: the only threads that call into PAM. A PAM check
    /// is mostly CPU (yescrypt) or a network round trip (pam_ldap, SSSD); failure delays never
    /// hold one of these threads.
    public var threads: Int

    public init(
        service: PAMServiceChoice = .fromRequest, services: PAMServiceAllowList = PAMServiceAllowList(), allowPasswordlessStacks: Bool = false,
        identity: IdentityStyle = .bare, threads: Int = 4
    ) {
        self.service = service
        self.services = services
        self.allowPasswordlessStacks = allowPasswordlessStacks
        self.serviceOrigin = ConfigError(file: "", line: 0, column: 0, keyPath: "", message: "")
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

    /// Every service a check through this backend can open: the fixed one, or each of `services`.
    public var reachableServices: [PAMReachableService] {
        switch service {
        case .fixed(let name):
            return [PAMReachableService(name: PAMServiceChoice.fileName(for: name), origin: serviceOrigin)]
        case .fromRequest:
            return zip(services.names, services.origins).map { PAMReachableService(name: $0, origin: $1) }
        }
    }

    public var summary: String {
        let served = service == .fromRequest ? ", services \(services.summary)" : ""
        let passwordless = allowPasswordlessStacks ? ", allow_passwordless_stacks" : ""
        return "PAM service \(service), identity \(identity.rawValue), \(threads) thread\(threads == 1 ? "" : "s")\(served)\(passwordless)"
    }

    /// pam_unix asks Linux-PAM for a two-second delay after every failure (unless `nodelay`),
    /// and libpam hands the delay function that base randomized by up to ±50 %
    /// (`_pam_compute_delay`): anything up to 3 s. Expecting the top of that range from the start
    /// means every failure on a route through PAM waits the same, whoever ended the chain, and
    /// the random part no longer shows.
    public var expectedFailureDelay: TimeAmount { .seconds(3) }

    /// The PAM user as `identity` spells it, the service the request names (or the fixed one)
    /// and the client's host as PAM_RHOST: all three decide PAM's answer, so all three are what
    /// was asked. The account the throttle counts is the PAM user alone: `alice@r1` and
    /// `alice@r2` are one Unix account under `identity: bare`.
    public func lookup(for subject: CheckSubject) -> BackendLookup<PAMLookup> {
        let user = identity.render(subject.identity)
        let name = service.resolve(requestService: subject.service.text)
        let host = subject.clientHost
        var asked = Array((name ?? "").utf8) + [0] + user.bytes
        if let host { asked += [0] + host.bytes }
        var shown = ShownText()
        shown.bytes(user.bytes)
        shown.literal(" (PAM ")
        if let name {
            shown.text(name)
        } else {
            shown.literal("refused service ")
            shown.bytes(subject.service.bytes)
        }
        shown.literal(")")
        return BackendLookup(lookup: PAMLookup(service: name, user: user, remoteHost: host), asked: ByteString(asked), account: user, shown: shown.bytes)
    }

    public func explain(_ subject: CheckSubject) -> String {
        let user = identity.render(subject.identity).text
        guard let name = service.resolve(requestService: subject.service.text) else {
            return "nothing: \"\(subject.service.text)\" cannot name a PAM service file (the check is rejected)"
        }
        if service == .fromRequest, !services.admits(name) {
            return "nothing: service \"\(subject.service.text)\" is not in services (\(services.names.joined(separator: ", "))), so the check is rejected without calling PAM"
        }
        let file = PAMServiceChoice.fileName(for: name)
        return "PAM service \"\(file)\" (/etc/pam.d/\(file)) user \"\(user)\": pam_authenticate, then pam_acct_mgmt"
    }
}
