/// What a module's pam_sm_authenticate can answer when the password it is handed is wrong: the
/// one thing the stack analysis needs to know about a module.
///
/// Modules that check a password (pam_unix, pam_sss, pam_ldap, pam_krb5, pam_winbind, pam_userdb,
/// pam_pwdfile, pam_mysql…) fail, and so does any module not named here: an unknown module is
/// assumed to check the password, since most third-party auth modules do. Modules that decide
/// without the password (who the user is, where the client is, what time it is, whether a file
/// exists, who the caller is) may answer anything, success included; the analysis follows every
/// answer. pam_rootok is one of them: it succeeds when the caller is root, which authmuxd is
/// unless `run_as` says otherwise.
public enum PAMModuleBehaviour: Sendable, Equatable {
    /// pam_permit.
    case succeeds
    /// pam_deny: PAM_AUTH_ERR.
    case fails
    /// pam_debug, a test module: the code its `auth=` argument names, success without one.
    case returns(PAMReturnCode)
    /// A module whose answer does not depend on the password, and why it may succeed.
    case decidesWithoutPassword(String)
    /// A password check: it fails, with any failure code, PAM_IGNORE only when `stepsAside`
    /// (options such as `ignore_unknown_user` or `minimum_uid=` make pam_sss, pam_ldap and
    /// pam_krb5 step aside for users they do not handle, and the stack then goes on without them).
    case checksPassword(stepsAside: Bool)

    public static func of(moduleName name: String, arguments: [String]) -> PAMModuleBehaviour {
        switch name {
        case "pam_permit":
            return .succeeds
        case "pam_deny":
            return .fails
        case "pam_debug":
            guard let argument = arguments.last(where: { $0.hasPrefix("auth=") }) else { return .returns(.success) }
            return PAMReturnCode(token: String(argument.dropFirst("auth=".count))).map(Self.returns)
                ?? .decidesWithoutPassword("pam_debug answers whatever its arguments say")
        case "pam_rootok":
            return .decidesWithoutPassword("pam_rootok succeeds when the caller is root, and authmuxd runs as root")
        case "pam_ftp":
            return .decidesWithoutPassword("pam_ftp lets anonymous users in with any password")
        case "pam_rhosts":
            return .decidesWithoutPassword("pam_rhosts trusts hosts, not passwords")
        case "pam_timestamp":
            return .decidesWithoutPassword("pam_timestamp succeeds on a recent timestamp, without a password")
        case "pam_wheel":
            return .decidesWithoutPassword("pam_wheel decides on group membership (with trust, it succeeds for wheel members)")
        default:
            if conditions.contains(name) {
                return .decidesWithoutPassword("\(name) decides without looking at the password")
            }
            return .checksPassword(stepsAside: arguments.contains { argument in stepAsideOptions.contains { argument.hasPrefix($0) } })
        }
    }

    /// The codes the analysis follows, the likeliest first so the reported path reads naturally.
    public var possibleResults: [PAMReturnCode] {
        switch self {
        case .succeeds: return [.success]
        case .fails: return [.authErr]
        case .returns(let code): return [code]
        case .decidesWithoutPassword: return PAMReturnCode.allCases
        case .checksPassword(let stepsAside):
            return PAMReturnCode.failures.filter { stepsAside || $0 != .ignore }
        }
    }

    /// Why a success from this module says nothing about the password, for messages.
    public var successReason: String {
        switch self {
        case .succeeds: return "pam_permit always succeeds"
        case .fails: return "pam_deny never succeeds"
        case .returns(let code): return "pam_debug returns \(code)"
        case .decidesWithoutPassword(let reason): return reason
        case .checksPassword: return "a password check"
        }
    }

    /// Modules of Linux-PAM and common packages whose auth answer does not depend on the password.
    static let conditions: Set<String> = [
        "pam_access", "pam_cap", "pam_echo", "pam_env", "pam_exec", "pam_faildelay", "pam_faillock", "pam_filter",
        "pam_group", "pam_issue", "pam_keyinit", "pam_lastlog", "pam_limits", "pam_listfile", "pam_localuser",
        "pam_loginuid", "pam_mail", "pam_mkhomedir", "pam_motd", "pam_namespace", "pam_nologin", "pam_securetty",
        "pam_selinux", "pam_sepermit", "pam_setquota", "pam_shells", "pam_stress", "pam_succeed_if", "pam_systemd",
        "pam_time", "pam_tty_audit", "pam_umask", "pam_usertype", "pam_warn", "pam_xauth",
        "pam_mount", "pam_gnome_keyring", "pam_kwallet5", "pam_ecryptfs",
    ]

    /// Options with which password modules answer PAM_IGNORE for some users instead of failing.
    static let stepAsideOptions = ["ignore_unknown_user", "ignore_authinfo_unavail", "minimum_uid", "ignore_root"]
}
