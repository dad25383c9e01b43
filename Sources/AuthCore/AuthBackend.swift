public import AuthWire
/// A password store behind one function signature. Backends know nothing of sockets, wire
/// formats or event loops: the engine asks one question (derived once per request by the
/// backend's settings) and gets one answer back.
public protocol AuthBackend: AnyObject, Sendable {
    associatedtype Settings: BackendSettings

    /// The name given under `backends:`.
    var name: String { get }
    var settings: Settings { get }

    /// Checks one password. A backend whose store needs blocking calls runs them on its own
    /// bounded thread pool and calls `then` from that pool's thread (the caller writes the
    /// answer from there, with no event-loop wake-up). Never blocks the caller; calls `then`
    /// exactly once; store failures are `.unavailable`, never a crash.
    func evaluate(_ lookup: Settings.Lookup, password: Secret, then: @escaping @Sendable (BackendAnswer) -> Void)

    /// The verdict when the store can give it at once, without blocking and without a thread
    /// hop (a sasldb snapshot known to match its file); nil when the check needs `evaluate`.
    /// Called on the thread that accepted the connection, so it must never block.
    func answerNow(_ lookup: Settings.Lookup, password: Secret) -> BackendAnswer?

    /// A number that moves whenever the store may answer differently (a sasldb file was
    /// written), so the credential cache can drop what this backend told it. nil when the
    /// backend cannot tell without blocking; its answers are then not cached. Called for every
    /// cached route's check: it must be cheap and never block.
    func storeGeneration() -> UInt64?

    /// Problems an administrator should hear about before starting (missing file, unreadable
    /// store); reported by `check-config`, never fatal, because the store may appear later.
    func problems() async -> [String]

    /// Reasons this backend must not serve at all, found by reading what it will use (a PAM
    /// stack that lets a wrong password through), each located at the setting responsible. The
    /// start stops with exit status 2, a reload is refused and check-config exits 2, as for any
    /// configuration error. Called once per start, reload or check-config, never on a check's
    /// path, so it may read files.
    func refusals() async -> [ConfigError]

    /// Releases threads and handles; called once, after the last check.
    func shutdown() async

    /// Checks running on the backend's threads and the state of its servers, for metrics:
    /// read when they are scraped, never on a check's path.
    func status() -> BackendStatus

    /// This backend's question for one request: the one derivation the check, the cache key,
    /// the throttle keys and the log line all use. Backends take the default.
    func question(for subject: CheckSubject) -> BackendQuestion
}

extension AuthBackend {
    /// Stores authmux cannot watch (PAM, LDAP) never report a change; their entries live for
    /// the cache's TTL.
    public func storeGeneration() -> UInt64? { 0 }

    /// Stores behind a network or a blocking library always need `evaluate`.
    public func answerNow(_ lookup: Settings.Lookup, password: Secret) -> BackendAnswer? { nil }

    /// A backend that reports nothing.
    public func status() -> BackendStatus { BackendStatus() }

    /// Most stores have nothing to judge before they serve.
    public func refusals() async -> [ConfigError] { [] }

    /// A requirement with an inlinable default, so that each backend's module compiles it for
    /// its own types: called through `any AuthBackend`, the generic body looked up the
    /// metadata of `BoundQuestion<Self>` and `BackendLookup<Lookup>` at run time on every
    /// check, about 7 % of a Dovecot check's instructions.
    @inlinable
    public func question(for subject: CheckSubject) -> BackendQuestion {
        let found = settings.lookup(for: subject)
        return BackendQuestion(
            backend: name, asked: found.asked, account: found.account, shown: found.shown,
            call: BoundQuestion(backend: self, lookup: found.lookup))
    }
}
