public import AuthWire
public import NIOCore
public import Logging

/// Realm rules, router and backends together: the part of a check that does not depend on the
/// front door it came through.
///
/// A check goes: `prepare` (realm rules, route) → `check` (every backend's question, derived
/// once) → `settleNow` or `run` (cache, throttle gate, the chain, the failure delay). The
/// decision says when its answer may be sent (`holdUntil`); the server schedules it, so no
/// thread waits and the engine needs no event loop.
public final class AuthEngine: Sendable {
    public let rules: RealmRules
    public let router: Router
    public let backends: [String: any AuthBackend]
    public let failureDelay: FailureDelay
    /// Each route's chain (by the route's position in the router) with its backends resolved,
    /// and whether one of them wants the client address: resolved once here, because looking
    /// the backends up by name hashed a String per backend, twice per check.
    private let chains: [(backends: [any AuthBackend], wantsClientAddress: Bool)]
    private let queues: [String: BackendQueue]
    /// nil with `throttle: { enabled: false }`.
    public let throttle: FailureThrottle?
    /// nil with `cache: { enabled: false }`.
    public let cache: CredentialCache?
    private let askedDelays: DelayHighWater
    private let logger: Logger
    /// The clock failure delays are measured on; tests pass one they move by hand.
    private let now: @Sendable () -> NIODeadline

    public init(
        rules: RealmRules, router: Router, backends: [any AuthBackend], failureDelay: FailureDelay = FailureDelay(), cache: CredentialCache? = nil,
        maxQueue: Int = LimitsConfig.defaultMaxQueue, throttle: FailureThrottle? = nil, logger: Logger = Logger(label: "authmux"),
        now: @escaping @Sendable () -> NIODeadline = { .now() }
    ) {
        self.now = now
        self.throttle = throttle
        self.queues = Dictionary(backends.map { ($0.name, BackendQueue(limit: maxQueue)) }, uniquingKeysWith: { first, _ in first })
        self.rules = rules
        self.router = router
        self.failureDelay = failureDelay
        let byName = Dictionary(backends.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.backends = byName
        self.chains = router.routes.map { route in
            let resolved = route.chain.compactMap { byName[$0] }
            // The credential cache pairs `route.chain` with each backend's store generation
            // by position: a name left out here would pair a store with another's changes.
            // The configuration loader refuses such a route with its file and line.
            precondition(resolved.count == route.chain.count, "route \(route.number) names a backend the engine was not given")
            return (resolved, resolved.contains { $0.settings.usesClientAddress })
        }
        self.cache = cache
        self.askedDelays = DelayHighWater(expected: Dictionary(
            backends.map { ($0.name, Self.expectedDelay(of: $0)) }, uniquingKeysWith: { first, _ in first }))
        self.logger = logger
    }

    /// Builds every configured backend.
    public convenience init(config: AuthmuxConfig, logger: Logger, now: @escaping @Sendable () -> NIODeadline = { .now() }) throws {
        var built: [any AuthBackend] = []
        for definition in config.backends {
            var backendLogger = logger
            backendLogger[metadataKey: "backend"] = "\(definition.name)"
            built.append(try definition.makeBackend(logger: backendLogger))
        }
        let uncached = Set(config.backends.filter { !$0.cacheable }.map(\.name))
        let cache = config.cache.enabled ? CredentialCache(settings: config.cache, uncachedBackends: uncached) : nil
        self.init(
            rules: config.realms, router: Router(routes: config.routes), backends: built, failureDelay: config.failureDelay, cache: cache,
            maxQueue: config.limits.maxQueue, throttle: config.throttle.enabled ? FailureThrottle(settings: config.throttle, now: now) : nil, logger: logger,
            now: now)
    }

    private static func expectedDelay(of backend: any AuthBackend) -> TimeAmount {
        backend.settings.expectedFailureDelay
    }

    /// Every backend's refusals (see `AuthBackend.refusals`), backends in name order: empty when
    /// this engine may serve.
    public func refusals() async -> [ConfigError] {
        var found: [ConfigError] = []
        for (_, backend) in backends.sorted(by: { $0.key < $1.key }) { found += await backend.refusals() }
        return found
    }

    // MARK: Deriving a check

    /// Runs the realm rules and picks the route. Cheap and synchronous: safe on any thread.
    public func prepare(_ request: CheckRequest, recordSteps: Bool = false) -> Result<PreparedCheck, NormalizationError> {
        IdentityNormalizer.normalize(login: request.login, realm: request.realm, rules: rules, recordSteps: recordSteps).map { normalization in
            guard let index = router.index(for: normalization.identity, service: request.service) else {
                return PreparedCheck(request: request, normalization: normalization, route: nil, backends: [], wantsClientAddress: false)
            }
            let chain = chains[index]
            return PreparedCheck(
                request: request, normalization: normalization, route: router.routes[index], backends: chain.backends,
                wantsClientAddress: chain.wantsClientAddress)
        }
    }

    /// Every backend's question for a prepared request, once its client address is settled:
    /// what the backends, the cache key, the throttle keys and the log line all use.
    public func check(_ prepared: PreparedCheck) -> Check {
        let subject = CheckSubject(identity: prepared.identity, service: prepared.service, clientAddress: prepared.request.clientAddress)
        let host = subject.clientHost.flatMap { $0.isEmpty ? nil : $0 }
        let questions = prepared.backends.map { $0.question(for: subject) }
        let cacheKey = cache.map { _ in CacheKey(route: prepared.route?.number ?? 0, asked: questions.map(\.asked)) }
        guard let throttle else { return Check(prepared: prepared, questions: questions, cacheKey: cacheKey, throttleKeys: []) }
        var keys: [FailureThrottle.Key] = questions.map { question in
            if throttle.settings.keyMode == .userAndClient, let host {
                return .account(backend: question.backend, ByteString(question.account.bytes + [0] + host.bytes))
            }
            return .account(backend: question.backend, question.account)
        }
        if let host { keys.append(.client(host)) }
        return Check(prepared: prepared, questions: questions, cacheKey: cacheKey, throttleKeys: keys)
    }

    // MARK: Running a check

    /// The whole check on the calling thread, when it can be decided without blocking and
    /// without waiting: a cache hit, or backends that answer at once (`AuthBackend.answerNow`,
    /// a sasldb snapshot known to be current) with the throttle's slots free. Returns nil,
    /// having counted and recorded nothing, when the check must go through `run`.
    public func settleNow(_ check: Check) -> CheckDecision? {
        let started = now()
        guard let route = check.route else { return decide(Self.noRoute, check: check, started: started, pass: nil) }
        var ticket: CacheTicket?
        if let cache, let key = check.cacheKey {
            switch lookUp(in: cache, key: key, check: check, route: route, countingMiss: false) {
            case .hit(let outcome):
                return decide(outcome, check: check, started: started, pass: nil)
            case .miss(let missed):
                ticket = missed
            }
        }
        var pass: ThrottlePass?
        if let throttle {
            guard let admitted = throttle.tryAdmit(check.throttleKeys) else { return nil }
            pass = admitted
        }
        var walk = ChainWalk(route: route, questions: check.questions)
        while case .ask(let question) = walk.step {
            guard let answer = question.answerNow(password: check.request.password) else {
                pass?.release()
                return nil
            }
            walk.record(answer)
        }
        guard case .done(let outcome) = walk.step else { return nil }
        if let cache, let ticket {
            cache.countMiss()
            cache.record(outcome, ticket: ticket)
        }
        return decide(outcome, check: check, started: started, pass: pass)
    }

    /// Answers from the cache or walks the route's chain through the backends' threads, then
    /// calls `then` once, on whichever thread produced the decision: the thread of the backend
    /// that answered last, the calling thread for a cache hit, the thread that freed a throttle
    /// slot for a check that waited for one. A waiting check is a closure, not a thread. The
    /// caller sends the answer at `holdUntil` and then calls `answered()`.
    public func run(_ check: Check, then: @escaping @Sendable (CheckDecision) -> Void) {
        let started = now()
        guard let route = check.route else { return then(decide(Self.noRoute, check: check, started: started, pass: nil)) }
        var missed: CacheTicket?
        if let cache, let key = check.cacheKey {
            switch lookUp(in: cache, key: key, check: check, route: route, countingMiss: true) {
            case .hit(let outcome): return then(decide(outcome, check: check, started: started, pass: nil))
            case .miss(let ticket): missed = ticket
            }
        }
        let ticket = missed
        admit(check, resumed: false) { pass in
            // A check that waited for its slot asks the store from now on: its failure delay,
            // and so how long it keeps the slot, counts from here, or a queued guess would be
            // answered (and its slot freed) as soon as the store had refused it.
            let admitted = self.now()
            guard let pass else {
                return then(self.decide(Self.throttleRefusal(route: route), check: check, started: started, pass: nil))
            }
            self.walk(ChainWalk(route: route, questions: check.questions), password: check.request.password) { outcome in
                if let cache = self.cache, let ticket { cache.record(outcome, ticket: ticket) }
                then(self.decide(outcome, check: check, started: admitted, pass: pass))
            }
        }
    }

    /// Asks each backend the walk names, through its bounded queue, until the chain ends.
    private func walk(_ walk: ChainWalk, password: Secret, then: @escaping @Sendable (CheckOutcome) -> Void) {
        switch walk.step {
        case .done(let outcome):
            then(outcome)
        case .ask(let question):
            guard let queue = queues[question.backend], queue.enter() else {
                var next = walk
                let limit = queues[question.backend]?.limit ?? 0
                next.record(BackendAnswer(verdict: .unavailable(reason: "queue full (\(limit) checks waiting or running)")))
                return self.walk(next, password: password, then: then)
            }
            question.evaluate(password: password) { answer in
                queue.leave()
                var next = walk
                next.record(answer)
                self.walk(next, password: password, then: then)
            }
        }
    }

    /// Waits (as a closure in the throttle's queue) for a slot on every key; `go` gets the pass,
    /// or nil when the queue was full.
    private func admit(_ check: Check, resumed: Bool, go: @escaping @Sendable (ThrottlePass?) -> Void) {
        guard let throttle else { return go(ThrottlePass(throttle: nil, keys: [])) }
        let admission = throttle.admit(check.throttleKeys, resumed: resumed) {
            self.admit(check, resumed: true, go: go)
        }
        switch admission {
        case .admitted(let pass): go(pass)
        case .queued: break
        case .refused: go(nil)
        }
    }

    private static let noRoute = CheckOutcome(result: .failed, backend: nil, route: nil, trail: [], note: "no route matches")

    private static func throttleRefusal(route: Route) -> CheckOutcome {
        CheckOutcome(result: .failed, backend: nil, route: route.number, trail: [], note: "throttle: too many checks waiting for this account or client")
    }

    /// The end of every check: a success or an unavailable store gives its slots back at once
    /// and may be answered at once; a failure gets its delay and keeps its slots until the
    /// server has sent its answer.
    private func decide(_ outcome: CheckOutcome, check: Check, started: NIODeadline, pass: ThrottlePass?) -> CheckDecision {
        guard outcome.result == .failed else {
            pass?.release()
            return CheckDecision(outcome: outcome, pass: nil)
        }
        return CheckDecision(outcome: failureDecided(outcome, check: check, started: started), pass: pass)
    }

    /// Sets a failed outcome's delay, measured from the start of the check: the route's
    /// failure delay (the same whichever backend ended the chain, and why) or what the throttle
    /// has earned, whichever is longer; records the failure with the throttle.
    private func failureDecided(_ outcome: CheckOutcome, check: Check, started: NIODeadline) -> CheckOutcome {
        var decided = outcome
        var requested = TimeAmount.zero
        for entry in outcome.trail where entry.requestedDelay > .zero {
            requested = max(requested, entry.requestedDelay)
            if askedDelays.raise(entry.backend, to: entry.requestedDelay) {
                logger.notice("a backend asked for a longer failure delay than before; every failure on its routes now waits as long", metadata: [
                    "backend": "\(entry.backend)", "delay_ms": "\(entry.requestedDelay.nanoseconds / 1_000_000)",
                ])
            }
        }
        let chain = check.route?.chain ?? []
        var delay = failureDelay.delay(requested: max(requested, askedDelays.largest(of: chain)))
        if let throttle {
            let consulted = Set(outcome.trail.map(\.backend))
            let keys = check.throttleKeys.filter { $0.kind == .client || consulted.contains($0.scope) }
            let (earned, key) = throttle.recordFailure(keys: keys)
            if earned > delay {
                delay = earned
                decided.throttledBy = key
            }
        }
        decided.delay = delay
        decided.holdUntil = started + delay
        return decided
    }

    /// The cache's answer for this check, with the route's store generations read now.
    private func lookUp(in cache: CredentialCache, key: CacheKey, check: Check, route: Route, countingMiss: Bool) -> CacheLookup {
        let generations = check.prepared.backends.map { $0.storeGeneration() }
        return cache.lookup(key: key, route: route, password: check.request.password, generations: generations, countingMiss: countingMiss)
    }

    /// Checks each backend holds now (waiting for one of its threads or running), for metrics.
    public func heldChecks() -> [String: Int] {
        queues.mapValues(\.held)
    }

    /// Stops every backend's threads.
    public func shutdown() async {
        cache?.close()
        for backend in backends.values { await backend.shutdown() }
    }
}
