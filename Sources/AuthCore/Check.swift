public import AuthWire
/// One request ready to run: the identity, the route, and what each backend on the route is
/// asked, derived once (`AuthEngine.check(_:)`). The backends, the credential cache, the
/// throttle and the log line all take the questions from here, so none of them can stand for
/// an identity the others did not see.
///
/// A class, though immutable: a check is handed from the door to the engine, a backend's
/// thread, a timer and the log line, and as a struct each of those copies retained its score
/// of references one by one.
public final class Check: Sendable {
    public let prepared: PreparedCheck
    /// One per backend of the route's chain, in chain order; empty when no route matched.
    public let questions: [BackendQuestion]
    /// The throttle's keys: every backend's account (with the client's host under
    /// `throttle.key: user_and_client`) and the client's host when the request carries it;
    /// empty with the throttle off.
    public let throttleKeys: [FailureThrottle.Key]

    // Inlinable, so that a reader in another module (the check line) takes the one field it
    // reads instead of a copy of the whole value, every reference in it retained and released.
    @inlinable public var request: CheckRequest { prepared.request }
    @inlinable public var identity: CanonicalIdentity { prepared.identity }
    @inlinable public var route: Route? { prepared.route }

    /// The route and every backend's question, as the credential cache files the answer; nil
    /// with the cache off (two arrays per check for nothing).
    let cacheKey: CacheKey?

    init(prepared: PreparedCheck, questions: [BackendQuestion], cacheKey: CacheKey?, throttleKeys: [FailureThrottle.Key]) {
        self.prepared = prepared
        self.questions = questions
        self.cacheKey = cacheKey
        self.throttleKeys = throttleKeys
    }
}
