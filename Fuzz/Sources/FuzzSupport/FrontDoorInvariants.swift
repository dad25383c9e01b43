public import AuthWire

/// Properties shared by the pwcheck and authdaemond scanners, which both answer `FrontDoorScan`.
public enum FrontDoorInvariants {
    /// One byte less is never further along: a refusal is final, whatever follows, and a whole
    /// request was incomplete until its last byte. The daemon relies on both: it answers a
    /// refusal at once and waits for more bytes only while the scan says so.
    public static func checkPrefix(full: FrontDoorScan, shorter: FrontDoorScan) {
        switch shorter {
        case .refused(let error):
            guard case .refused = full else {
                Invariant.require(false, "refused (\(error.reason)) but one byte more is not")
                return
            }
        case .request:
            // A whole request followed by more bytes is the client's business (pwcheck refuses
            // it, authdaemond ignores it), so nothing is asserted.
            break
        case .incomplete:
            break
        }
    }

    /// A refusal's reason goes into the log (and on pwcheck to the client): it must not be able
    /// to forge a line, and `incomplete` is the scanner's `.incomplete`, never a refusal.
    public static func checkRefusal(_ error: FrontDoorRequestError) {
        Invariant.require(error != .incomplete, "refused as incomplete")
        let reason = error.reason
        Invariant.require(!reason.isEmpty && !NameInvariants.breaksNameRule(Array(reason.utf8)), "bad reason \(reason.debugDescription)")
    }

    /// What every decoded request must look like, whichever door it came through.
    public static func checkRequest(_ request: CheckRequest, cap: Int) {
        NameInvariants.checkAccepted(request)
        Invariant.require(request.login.count <= cap && request.password.count <= cap, "a field over \(cap) bytes accepted")
    }
}
