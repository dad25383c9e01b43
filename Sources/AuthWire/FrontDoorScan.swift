/// What the bytes received so far on a pwcheck or authdaemond connection amount to.
public enum FrontDoorScan: Sendable {
    /// Not a whole request yet; more bytes may complete it.
    case incomplete
    /// A whole request.
    case request(CheckRequest)
    /// A request that can never become valid, however many bytes follow.
    case refused(FrontDoorRequestError)
}
