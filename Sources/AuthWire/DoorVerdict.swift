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
    /// The canonical user and realm.
    public var user: ByteString
    public var realm: ByteString

    public init(result: Result, user: ByteString, realm: ByteString) {
        self.result = result
        self.user = user
        self.realm = realm
    }

    /// `user@realm` (the bare user when the realm is empty), built only by the doors that answer
    /// with it: built for every verdict, it cost each saslauthd check allocations it never used.
    public var qualified: ByteString { user.qualified(by: realm) }
}
