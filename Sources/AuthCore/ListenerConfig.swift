import AuthWire

/// One entry of `listen:`: a Unix socket and who may reach it.
public struct ListenerConfig: Sendable, Equatable {
    /// What Debian's libsasl2 connects to when a consumer sets no `saslauthd_path`; listening
    /// here is what makes authmux a drop-in replacement.
    public static let defaultSaslauthdPath = DefaultSockets.saslauthd
    /// Where a libsasl2 built with pwcheck support looks: `PWCHECKDIR` (configure's
    /// `--with-pwcheck`, `/var/pwcheck` when given no directory) plus `/pwcheck`. It is fixed at
    /// compile time; no SASL option moves it.
    public static let defaultPwcheckPath = DefaultSockets.pwcheck
    /// The service a pwcheck request is routed under unless the listener names one.
    public static let defaultPwcheckService = "pwcheck"

    public var protocolName: ListenerProtocol
    public var path: String
    /// Socket file mode (`mode: "0660"`); see `directoryMode` for the directory's.
    public var mode: UInt32
    /// Owner group of the socket (and of a directory authmux creates), by name.
    public var group: String?
    /// Where `group` was written, so a group that does not exist can be reported as a located
    /// configuration error when the daemon resolves it.
    public var groupError: ConfigError?
    /// `service:` as written; only pwcheck listeners take one (see `takesServiceFromListener`).
    public var service: String?
    /// Who may connect, checked with SO_PEERCRED on accept; nil admits anyone who can reach
    /// the socket file, as saslauthd does.
    public var allow: PeerAllowList?

    public init(protocolName: ListenerProtocol = .saslauthd, path: String = ListenerConfig.defaultSaslauthdPath, mode: UInt32 = 0o660, group: String? = nil, groupError: ConfigError? = nil, service: String? = nil) {
        self.protocolName = protocolName
        self.path = path
        self.mode = mode
        self.group = group
        self.groupError = groupError
        self.service = service
    }

    /// The service name a pwcheck request is checked under (its wire format has none).
    public var pwcheckService: String { service ?? ListenerConfig.defaultPwcheckService }

    /// The mode for a directory authmux creates: owner rwx, and group search+read when the socket is
    /// group-accessible (0750 for the default 0660), nothing for others unless the socket is
    /// world-accessible, in which case others may search (0751).
    public var directoryMode: UInt32 {
        var mode: UInt32 = 0o700
        if self.mode & 0o060 != 0 { mode |= 0o050 }
        if self.mode & 0o006 != 0 { mode |= 0o001 }
        return mode
    }

    /// A mode as administrators write it: `0660`.
    public static func octal(_ mode: UInt32) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
