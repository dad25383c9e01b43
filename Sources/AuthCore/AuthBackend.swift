public import NIOCore

/// A password store behind one function signature. Backends know nothing of sockets or wire
/// formats; a backend whose store needs blocking calls runs them on its own bounded thread pool
/// and hands the answer on from that pool's thread (`evaluate(_:eventLoop:then:)`).
public protocol AuthBackend: AnyObject, Sendable {
    /// The name given under `backends:`.
    var name: String { get }
    var settings: any BackendSettings { get }

    /// Checks one password. Never fails the future: store failures are `.unavailable`.
    func check(_ request: BackendRequest, eventLoop: any EventLoop) -> EventLoopFuture<BackendVerdict>

    /// `check` with the failure delay the store asked for. Stores that never ask for one keep
    /// the default, which wraps `check`.
    func evaluate(_ request: BackendRequest, eventLoop: any EventLoop) -> EventLoopFuture<BackendAnswer>

    /// `evaluate` for a caller that takes the answer on whichever thread produced it: a backend
    /// with its own thread pool calls `then` from that pool's thread, so the answer costs no
    /// event-loop wake-up. The engine walks a route's chain with this. Never blocks the caller,
    /// and calls `then` exactly once. The default waits for `evaluate`'s future.
    func evaluate(_ request: BackendRequest, eventLoop: any EventLoop, then: @escaping @Sendable (BackendAnswer) -> Void)

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

    /// A number that moves whenever the store may answer differently (a sasldb file was
    /// written), so the credential cache can drop what this backend told it. nil when the
    /// backend cannot tell without blocking; its answers are then not cached. Called on the
    /// event loop for every cached route's check: it must be cheap and never block.
    func storeGeneration() -> UInt64?

    /// The verdict when the store can give it at once, without blocking and without a thread
    /// hop (a sasldb snapshot known to match its file); nil when the check needs `evaluate`.
    /// Called on the thread that accepted the connection, so it must never block.
    func answerNow(_ request: BackendRequest) -> BackendAnswer?
}

extension AuthBackend {
    /// Stores authmux cannot watch (PAM, LDAP) never report a change; their entries live for
    /// the cache's TTL.
    public func storeGeneration() -> UInt64? { 0 }

    /// Stores behind a network or a blocking library always need `evaluate`.
    public func answerNow(_ request: BackendRequest) -> BackendAnswer? { nil }

    /// Most stores have nothing to judge before they serve.
    public func refusals() async -> [ConfigError] { [] }
}

extension AuthBackend {
    public func evaluate(_ request: BackendRequest, eventLoop: any EventLoop) -> EventLoopFuture<BackendAnswer> {
        check(request, eventLoop: eventLoop).map { BackendAnswer(verdict: $0) }
    }

    public func evaluate(_ request: BackendRequest, eventLoop: any EventLoop, then: @escaping @Sendable (BackendAnswer) -> Void) {
        evaluate(request, eventLoop: eventLoop).whenComplete { result in
            switch result {
            case .success(let answer): then(answer)
            // `check` must not fail; a backend that breaks that rule still gets an answer out.
            case .failure(let error): then(BackendAnswer(verdict: .unavailable(reason: "\(error)")))
            }
        }
    }

    /// `evaluate(_:eventLoop:then:)` as a future on `eventLoop`, for backends built around the
    /// callback form.
    public func evaluatedFuture(_ request: BackendRequest, eventLoop: any EventLoop) -> EventLoopFuture<BackendAnswer> {
        let promise = eventLoop.makePromise(of: BackendAnswer.self)
        evaluate(request, eventLoop: eventLoop) { promise.succeed($0) }
        return promise.futureResult
    }
}
