import AuthCore
import CPAM

/// How PAM's return codes become verdicts. The split matters for chains: an unknown user lets
/// the next backend try, a rejection stops the chain, and an unavailable stack must never be
/// mistaken for a wrong password.
enum PAMVerdictMap {
    static func verdict(for result: PAMTransaction.Result) -> BackendVerdict {
        let reason = "\(result.stage.rawValue): \(result.message)"
        switch result.code {
        case PAM_SUCCESS:
            return .accepted
        case PAM_USER_UNKNOWN:
            return .unknownUser
        case PAM_AUTH_ERR, PAM_CRED_INSUFFICIENT, PAM_MAXTRIES, PAM_ACCT_EXPIRED, PAM_PERM_DENIED,
             PAM_NEW_AUTHTOK_REQD, PAM_AUTHTOK_EXPIRED, PAM_CRED_EXPIRED, PAM_CRED_ERR:
            return .rejected(reason: reason)
        default:
            // PAM_AUTHINFO_UNAVAIL, PAM_SYSTEM_ERR, PAM_ABORT, PAM_SERVICE_ERR, PAM_BUF_ERR,
            // PAM_CONV_ERR, PAM_OPEN_ERR, PAM_SYMBOL_ERR… and anything unknown: the stack could
            // not decide, so the password was neither right nor wrong.
            return .unavailable(reason: reason)
        }
    }
}
