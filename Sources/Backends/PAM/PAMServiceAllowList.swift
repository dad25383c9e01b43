public import AuthCore

/// `services:` on a pam backend with `service: "%s"`: the request services it serves. Any other
/// request is refused before PAM is called, because with `%s` the client names the PAM stack,
/// and the host has stacks meant for root and local logins (/etc/pam.d/su lets root in without
/// a password, and authmuxd is root).
public struct PAMServiceAllowList: Sendable, Equatable {
    /// As libpam opens them (lowercase), in the order written.
    public private(set) var names: [String]
    /// Where each name is written (its item under `services:`), or the backend itself for the
    /// default list: where a finding about that service's stack is reported.
    public private(set) var origins: [ConfigError]
    /// True when `services:` was not written.
    public private(set) var isDefault: Bool

    /// The names Cyrus SASL consumers on a mail or directory host send as their service:
    /// Postfix and Sendmail `smtp` (`submission` where master.cf sets smtpd_sasl_service),
    /// Cyrus IMAP `imap`, `pop` (`pop3` in other servers), `sieve` (timsieved;
    /// `managesieve` elsewhere), `lmtp` and `nntp`, OpenLDAP pass-through `ldap`, XMPP servers
    /// `xmpp`. None is a Debian stack for logins, su or cron, and each falls back to `other`
    /// (Debian: pam_unix) when the host has no file for it.
    public static let mailAndDirectory = ["smtp", "submission", "imap", "pop", "pop3", "sieve", "managesieve", "lmtp", "nntp", "ldap", "xmpp"]

    /// The default list, reported at `origin` (the backend's definition).
    public init(defaultAt origin: ConfigError = ConfigError(file: "", line: 0, column: 0, keyPath: "", message: "")) {
        names = Self.mailAndDirectory
        origins = Array(repeating: origin, count: names.count)
        isDefault = true
    }

    /// A written list; names are lowercased as libpam lowercases them.
    public init(_ entries: [(name: String, origin: ConfigError)]) {
        names = entries.map { PAMServiceChoice.fileName(for: $0.name) }
        origins = entries.map(\.origin)
        isDefault = false
    }

    /// Whether a request naming `service` may reach PAM. Compared as libpam will open it, so
    /// `SU` is refused like `su` and `IMAP` served like `imap`.
    public func admits(_ service: String) -> Bool {
        names.contains(PAMServiceChoice.fileName(for: service))
    }

    public var summary: String { names.joined(separator: ", ") + (isDefault ? " (the default)" : "") }
}
