/// What a front door needs to know about a finished check to answer it: the result, and who
/// was accepted (authdaemond's account lines, Dovecot's `user=`). Nothing about backends,
/// routes or delays: those stay in the engine and the log.
public struct DoorVerdict: Sendable, Equatable {
    public enum Result: Sendable, Equatable {
        case ok
        case failed
        case unavailable
    }

    public var result: Result
    /// The canonical user, and `user@realm` (the bare user when the realm is empty).
    public var user: ByteString
    public var qualified: ByteString

    public init(result: Result, user: ByteString, qualified: ByteString) {
        self.result = result
        self.user = user
        self.qualified = qualified
    }
}
