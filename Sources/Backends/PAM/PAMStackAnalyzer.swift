/// Judges whether the auth stack Linux-PAM runs for a service can succeed when the password is
/// wrong, by reading the service's files as libpam reads them and running the stack as libpam's
/// dispatcher runs it, for every answer the modules could give.
///
/// Why not "refuse any stack that contains pam_rootok or pam_permit", as the issue first asked:
/// Debian's own common-auth ends with `auth required pam_permit.so`, reached only after
/// `[success=1 default=ignore] pam_unix.so` succeeded (a failure falls on `requisite pam_deny.so`),
/// so that rule would refuse every stock Debian stack, while stacks that pass a wrong password
/// without either module (`sufficient pam_succeed_if.so user = root`, a password check that may
/// answer PAM_IGNORE before a success) would pass it. The question that matters is the one asked
/// here: is there a run of the stack that ends in PAM_SUCCESS although every password check
/// failed? /etc/pam.d/su has one (`auth sufficient pam_rootok.so`: authmuxd is root); Debian's
/// common-auth does not.
public struct PAMStackAnalyzer: Sendable {
    public var loader: PAMStackLoader

    public init(locations: PAMConfigLocations = .current()) {
        loader = PAMStackLoader(locations: locations)
    }

    public func analyze(service: String) throws(PAMStackError) -> PAMStackAnalysis {
        let stack = try loader.authStack(forService: service)
        return PAMStackAnalysis(stack: stack, wrongPasswordPath: try PAMStackEvaluator(entries: stack.entries).wrongPasswordPath())
    }
}
