public import AuthWire
/// What one backend asks its store for one request, derived once from the `CheckSubject` by the
/// backend's settings (`BackendSettings.lookup(for:)`) and then used everywhere: by the backend
/// for the check, by the credential cache for its key, by the throttle for its key, and by the
/// log line. A cached answer or a throttle count can therefore only ever stand for what the
/// store was really asked.
public struct BackendLookup<Lookup: Sendable>: Sendable {
    /// The backend's own, typed form of the question (a sasldb key, a PAM user and service,
    /// an LDAP filter).
    public var lookup: Lookup
    /// Exactly what the store is asked, as bytes, including anything else its answer depends
    /// on (a PAM service, the client's host). Two requests with equal `asked` get the same
    /// answer from this store for the same password.
    public var asked: ByteString
    /// The account as the store tells accounts apart, for the throttle: equal to `asked` for
    /// stores that compare bytes, folded where the store folds (LDAP matches names
    /// case-insensitively), so that spelling variants of one account share one count.
    public var account: ByteString
    /// What was asked, for the log line and `authmuxd explain`: text, kept as the bytes the
    /// log writes (see `ShownText`).
    public var shown: [UInt8]

    /// Inlinable, so that a backend builds its lookup without looking up this type's metadata
    /// at run time (it is generic over the backend's lookup).
    @inlinable
    public init(lookup: Lookup, asked: ByteString, account: ByteString? = nil, shown: [UInt8]) {
        self.lookup = lookup
        self.asked = asked
        self.account = account ?? asked
        self.shown = shown
    }
}
