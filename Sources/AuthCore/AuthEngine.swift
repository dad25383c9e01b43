public import NIOCore
public import Logging

/// Realm rules, router and backends together: the part of a check that does not depend on the
/// front door it came through.
public final class AuthEngine: Sendable {
    public let rules: RealmRules
    public let router: Router
    public let backends: [String: any AuthBackend]
    public let failureDelay: FailureDelay
    private let queues: [String: BackendQueue]
    /// nil with `throttle: { enabled: false }`.
    public let throttle: FailureThrottle?
    /// nil with `cache: { enabled: false }`.
    public let cache: CredentialCache?

    public init(
        rules: RealmRules, router: Router, backends: [any AuthBackend], failureDelay: FailureDelay = FailureDelay(), cache: CredentialCache? = nil,
        maxQueue: Int = LimitsConfig.defaultMaxQueue, throttle: FailureThrottle? = nil
    ) {
        self.throttle = throttle
        self.queues = Dictionary(backends.map { ($0.name, BackendQueue(limit: maxQueue)) }, uniquingKeysWith: { first, _ in first })
        self.rules = rules
        self.router = router
        self.failureDelay = failureDelay
        self.backends = Dictionary(backends.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.cache = cache
    }

    /// Builds every configured backend through the catalog.
    public convenience init(config: AuthmuxConfig, catalog: BackendCatalog, logger: Logger) throws {
        var built: [any AuthBackend] = []
        for definition in config.backends {
            guard let kind = catalog.kind(definition.settings.type) else {
                preconditionFailure("the loader accepted unknown backend type \(definition.settings.type)")
            }
            var backendLogger = logger
            backendLogger[metadataKey: "backend"] = "\(definition.name)"
            built.append(try kind.makeBackend(name: definition.name, settings: definition.settings, logger: backendLogger))
        }
        let uncached = Set(config.backends.filter { !$0.cacheable }.map(\.name))
        let cache = config.cache.enabled ? CredentialCache(settings: config.cache, uncachedBackends: uncached) : nil
        self.init(
            rules: config.realms, router: Router(routes: config.routes), backends: built, failureDelay: config.failureDelay, cache: cache,
            maxQueue: config.limits.maxQueue, throttle: config.throttle.enabled ? FailureThrottle(settings: config.throttle) : nil)
    }

    /// Every backend's refusals (see `AuthBackend.refusals`), backends in name order: empty when
    /// this engine may serve.
    public func refusals() async -> [ConfigError] {
        var found: [ConfigError] = []
        for (_, backend) in backends.sorted(by: { $0.key < $1.key }) { found += await backend.refusals() }
        return found
    }

    /// Runs the realm rules and picks the route. Cheap and synchronous: safe on an event loop.
    public func prepare(login: String, realm: String, service: String, recordSteps: Bool = false) -> Result<PreparedCheck, NormalizationError> {
        IdentityNormalizer.normalize(login: login, realm: realm, rules: rules, recordSteps: recordSteps).map { normalization in
            let route = router.route(for: normalization.identity, service: service)
            let wants = route?.chain.contains { backends[$0]?.settings.usesClientAddress ?? false } ?? false
            return PreparedCheck(normalization: normalization, service: service, route: route, wantsClientAddress: wants)
        }
    }

    /// Answers from the cache or walks the route's chain: unknown user and unavailable pass to
    /// the next backend, an acceptance or a rejection ends it. A failed outcome, cached or not,
    /// completes only after the failure delay, scheduled on `eventLoop` (no thread waits for it).
    public func run(_ prepared: PreparedCheck, password: Secret, clientAddress: String?, on eventLoop: any EventLoop) -> EventLoopFuture<CheckOutcome> {
        let promise = eventLoop.makePromise(of: CheckOutcome.self)
        run(prepared, password: password, clientAddress: clientAddress, on: eventLoop) { promise.succeed($0) }
        return promise.futureResult
    }

    /// `run` for a caller that takes the outcome on whichever thread produced it: the thread of
    /// the backend that answered last, the calling thread for a cache hit, or `eventLoop` once
    /// a failure's delay is over. A check that needs a backend's thread pool then costs no
    /// event-loop wake-up at all. Never blocks the caller, and calls `then` exactly once.
    public func run(
        _ prepared: PreparedCheck, password: Secret, clientAddress: String?, on eventLoop: any EventLoop,
        then: @escaping @Sendable (CheckOutcome) -> Void
    ) {
        decide(prepared, password: password, clientAddress: clientAddress, on: eventLoop) { outcome in
            let delayed = self.withFailureDelay(outcome, prepared: prepared, clientAddress: clientAddress)
            guard delayed.delay > .zero else { return then(delayed) }
            eventLoop.scheduleTask(in: delayed.delay) { then(delayed) }
        }
    }

    private func decide(
        _ prepared: PreparedCheck, password: Secret, clientAddress: String?, on eventLoop: any EventLoop,
        then: @escaping @Sendable (CheckOutcome) -> Void
    ) {
        guard let route = prepared.route else {
            return then(CheckOutcome(result: .failed, backend: nil, route: nil, trail: [], note: "no route matches"))
        }
        let request = BackendRequest(identity: prepared.identity, service: prepared.service, password: password, clientAddress: clientAddress)
        guard let cache else {
            return step(route: route, index: 0, request: request, trail: [], allUnavailable: true, on: eventLoop, then: then)
        }
        switch lookUp(in: cache, prepared: prepared, route: route, request: request, countingMiss: true) {
        case .hit(let outcome):
            then(outcome)
        case .miss(let ticket):
            step(route: route, index: 0, request: request, trail: [], allUnavailable: true, on: eventLoop) { outcome in
                cache.record(outcome, ticket: ticket)
                then(outcome)
            }
        }
    }

    /// The whole check on the calling thread, when every backend it reaches can answer without
    /// blocking (`AuthBackend.answerNow`): a cache hit, or a sasldb snapshot known to be current.
    /// The outcome carries the delay a failure must wait (already recorded with the throttle);
    /// the caller holds the answer back that long. Returns nil, having counted and recorded
    /// nothing, when a backend must be asked through `run`.
    public func settleNow(_ prepared: PreparedCheck, password: Secret, clientAddress: String?) -> CheckOutcome? {
        guard let route = prepared.route else {
            let outcome = CheckOutcome(result: .failed, backend: nil, route: nil, trail: [], note: "no route matches")
            return withFailureDelay(outcome, prepared: prepared, clientAddress: clientAddress)
        }
        let request = BackendRequest(identity: prepared.identity, service: prepared.service, password: password, clientAddress: clientAddress)
        var ticket: CacheTicket?
        if let cache {
            switch lookUp(in: cache, prepared: prepared, route: route, request: request, countingMiss: false) {
            case .hit(let outcome):
                return withFailureDelay(outcome, prepared: prepared, clientAddress: clientAddress)
            case .miss(let missed):
                ticket = missed
            }
        }
        guard let outcome = walkNow(route: route, request: request) else { return nil }
        if let cache, let ticket {
            cache.countMiss()
            cache.record(outcome, ticket: ticket)
        }
        return withFailureDelay(outcome, prepared: prepared, clientAddress: clientAddress)
    }

    /// The cache's answer for this check, with the route's store generations read now and the
    /// client's host in the key when a backend on the route sees it.
    private func lookUp(in cache: CredentialCache, prepared: PreparedCheck, route: Route, request: BackendRequest, countingMiss: Bool) -> CacheLookup {
        let generations = route.chain.map { backends[$0]?.storeGeneration() }
        let clientHost = prepared.wantsClientAddress ? request.clientHost : nil
        return cache.lookup(
            identity: prepared.identity, service: prepared.service, clientHost: clientHost, route: route, password: request.password,
            generations: generations, countingMiss: countingMiss)
    }

    /// `step`'s walk for backends that answer at once; nil as soon as one cannot.
    private func walkNow(route: Route, request: BackendRequest) -> CheckOutcome? {
        var trail: [TrailEntry] = []
        var allUnavailable = true
        for name in route.chain {
            guard let answer = backends[name]?.answerNow(request) else { return nil }
            trail.append(TrailEntry(backend: name, verdict: answer.verdict, requestedDelay: answer.requestedDelay))
            switch answer.verdict {
            case .accepted:
                return CheckOutcome(result: .ok, backend: name, route: route.number, trail: trail)
            case .rejected:
                return CheckOutcome(result: .failed, backend: name, route: route.number, trail: trail)
            case .unknownUser:
                allUnavailable = false
            case .unavailable:
                break
            }
        }
        return CheckOutcome(result: allUnavailable ? .unavailable : .failed, backend: nil, route: route.number, trail: trail)
    }

    /// Sets a failed outcome's delay (and records the failure with the throttle); other
    /// outcomes pass unchanged.
    private func withFailureDelay(_ outcome: CheckOutcome, prepared: PreparedCheck, clientAddress: String?) -> CheckOutcome {
        guard outcome.result == .failed else { return outcome }
        let requested = outcome.trail.map(\.requestedDelay).max() ?? .zero
        var withDelay = outcome
        withDelay.delay = failureDelay.delay(requested: requested)
        if let throttle {
            var keys: [FailureThrottle.Key] = [.user(prepared.identity.qualified)]
            if let address = clientAddress, !address.isEmpty { keys.append(.client(BackendRequest.host(ofClientAddress: address))) }
            let (delay, key) = throttle.recordFailure(keys: keys)
            if delay > withDelay.delay {
                withDelay.delay = delay
                withDelay.throttledBy = key
            }
        }
        return withDelay
    }

    private func step(
        route: Route, index: Int, request: BackendRequest, trail: [TrailEntry], allUnavailable: Bool, on eventLoop: any EventLoop,
        then: @escaping @Sendable (CheckOutcome) -> Void
    ) {
        guard index < route.chain.count else {
            let result: CheckOutcome.Result = allUnavailable ? .unavailable : .failed
            return then(CheckOutcome(result: result, backend: nil, route: route.number, trail: trail))
        }
        let name = route.chain[index]
        guard let backend = backends[name] else {
            // The loader refuses such routes; this only guards against a programming error.
            let trail = trail + [TrailEntry(backend: name, verdict: .unavailable(reason: "not configured"))]
            return step(route: route, index: index + 1, request: request, trail: trail, allUnavailable: allUnavailable, on: eventLoop, then: then)
        }
        guard let queue = queues[name], queue.enter() else {
            let verdict = BackendVerdict.unavailable(reason: "queue full (\(queues[name]?.limit ?? 0) checks waiting or running)")
            let trail = trail + [TrailEntry(backend: name, verdict: verdict)]
            return step(route: route, index: index + 1, request: request, trail: trail, allUnavailable: allUnavailable, on: eventLoop, then: then)
        }
        backend.evaluate(request, eventLoop: eventLoop) { answer in
            queue.leave()
            let verdict = answer.verdict
            let trail = trail + [TrailEntry(backend: name, verdict: verdict, requestedDelay: answer.requestedDelay)]
            switch verdict {
            case .accepted:
                then(CheckOutcome(result: .ok, backend: name, route: route.number, trail: trail))
            case .rejected:
                then(CheckOutcome(result: .failed, backend: name, route: route.number, trail: trail))
            case .unknownUser:
                self.step(route: route, index: index + 1, request: request, trail: trail, allUnavailable: false, on: eventLoop, then: then)
            case .unavailable:
                self.step(route: route, index: index + 1, request: request, trail: trail, allUnavailable: allUnavailable, on: eventLoop, then: then)
            }
        }
    }

    /// Stops every backend's threads.
    public func shutdown() async {
        cache?.close()
        for backend in backends.values { await backend.shutdown() }
    }
}
