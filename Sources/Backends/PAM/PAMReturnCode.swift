/// Linux-PAM's return values (`PAM_SUCCESS` … `PAM_INCOMPLETE`), in the order and with the names
/// its control syntax uses (`[user_unknown=ignore default=bad]`, pam.conf(5)).
///
/// The raw value is the C constant: the stack evaluator keeps a module's exact code, because
/// Linux-PAM copies it into the stack's status and decides on that status at the end.
public enum PAMReturnCode: Int, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case success = 0
    case openErr, symbolErr, serviceErr, systemErr, bufErr, permDenied, authErr, credInsufficient
    case authinfoUnavail, userUnknown, maxtries, newAuthtokReqd, acctExpired, sessionErr, credUnavail
    case credExpired, credErr, noModuleData, convErr, authtokErr, authtokRecoverErr, authtokLockBusy
    case authtokDisableAging, tryAgain, ignore, abort, authtokExpired, moduleUnknown, badItem
    case convAgain, incomplete

    /// What libpam returns for a line it could not set up, for a stack with nothing to run and
    /// for a jump past the end (`PAM_MUST_FAIL_CODE` in pam_dispatch.c).
    public static let mustFail = PAMReturnCode.permDenied

    /// The name in a `[value=action]` control, as libpam's pam_tokens.h spells it.
    public var token: String { Self.tokens[rawValue] }

    public var description: String { token }

    /// In raw-value order: libpam matches a control's value names against this list in order, by
    /// prefix, so the order is part of the syntax.
    static let tokens = [
        "success", "open_err", "symbol_err", "service_err", "system_err", "buf_err", "perm_denied", "auth_err",
        "cred_insufficient", "authinfo_unavail", "user_unknown", "maxtries", "new_authtok_reqd", "acct_expired",
        "session_err", "cred_unavail", "cred_expired", "cred_err", "no_module_data", "conv_err", "authtok_err",
        "authtok_recover_err", "authtok_lock_busy", "authtok_disable_aging", "try_again", "ignore", "abort",
        "authtok_expired", "module_unknown", "bad_item", "conv_again", "incomplete",
    ]

    /// Every code a module can return that is not success: what a failing module may answer.
    public static let failures = allCases.filter { $0 != .success }

    /// The code named `token` exactly (pam_debug's `auth=` argument uses the same names).
    public init?(token: String) {
        guard let index = Self.tokens.firstIndex(of: token) else { return nil }
        self.init(rawValue: index)
    }
}
