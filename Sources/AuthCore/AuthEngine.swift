public import NIOCore
public import Logging

/// Realm rules, router and backends together: the part of a check that does not depend on the
/// front door it came through.
///
/// A check goes: `prepare` (realm rules, route) → `check` (every backend's question, derived
/// once) → `settleNow` or `run` (cache, throttle gate, the chain, the failure delay). The
/// outcome says when its answer may be sent (`holdUntil`); no thread waits for it.
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
    private let askedDelays: DelayHighWater
    private let logger: Logger

    public init(
        rules: RealmRules, router: Router, backends: [any AuthBackend], failureDelay: FailureDelay = FailureDelay(), cache: CredentialCache? = nil,
        maxQueue: Int = LimitsConfig.defaultMaxQueue, throttle: FailureThrottle? = nil, logger: Logger = Logger(label: "authmux")
    ) {
        self.throttle = throttle
        self.queues = Dictionary(backends.map { ($0.name, BackendQueue(limit: maxQueue)) }, uniquingKeysWith: { first, _ in first })
        self.rules = rules
        self.router = router
        self.failureDelay = failureDelay
        self.backends = Dictionary(backends.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.cache = cache
        self.askedDelays = DelayHighWater(expected: Dictionary(
            backends.map { ($0.name, Self.expectedDelay(of: $0)) }, uniquingKeysWith: { first, _ in first }))
        self.logger = logger
    }

    /// Builds every configured backend.
    public convenience init(config: AuthmuxConfig, logger: Logger) throws {
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
            maxQueue: config.limits.maxQueue, throttle: config.throttle.enabled ? FailureThrottle(settings: config.throttle) : nil, logger: logger)
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
            let route = router.route(for: normalization.identity, service: request.service)
            let wants = route?.chain.contains { backends[$0]?.settings.usesClientAddress ?? false } ?? false
            return PreparedCheck(request: request, normalization: normalization, route: route, wantsClientAddress: wants)
        }
    }

    /// Every backend's question for a prepared request, once its client address is settled:
    /// what the backends, the cache key, the throttle keys and the log line all use.
    public func check(_ prepared: PreparedCheck) -> Check {
        let subject = CheckSubject(identity: prepared.identity, service: prepared.service, clientAddress: prepared.request.clientAddress)
        let host = subject.clientHost.flatMap { $0.isEmpty ? nil : $0 }
        guard let route = prepared.route else {
            return Check(prepared: prepared, questions: [], cacheKey: CacheKey(route: 0, asked: []), throttleKeys: host.map { [.client($0)] } ?? [])
        }
        let questions = route.chain.compactMap { backends[$0]?.question(for: subject) }
        var keys: [FailureThrottle.Key] = questions.map { question in
            if let throttle, throttle.settings.keyMode == .userAndClient, let host {
                return .account(backend: question.backend, ByteString(question.account.bytes + [0] + host.bytes))
            }
            return .account(backend: question.backend, question.account)
        }
        if let host { keys.append(.client(host)) }
        return Check(prepared: prepared, questions: questions, cacheKey: CacheKey(route: route.number, asked: questions.map(\.asked)), throttleKeys: keys)
    }

    // MARK: Running a check

    /// The whole check on the calling thread, when it can be decided without blocking and
    /// without waiting: a cache hit, or backends that answer at once (`AuthBackend.answerNow`,
    /// a sasldb snapshot known to be current) with the throttle's slots free. The outcome's
    /// `holdUntil` says when a failure may be answered; the slots it holds are given back then
    /// by a timer on `timers`. Returns nil, having counted and recorded nothing, when the check
    /// must go through `run`.
    public func settleNow(_ check: Check, timers: any EventLoop) -> CheckOutcome? {
        let started = timers.now
        guard let route = check.route else { return finish(Self.noRoute, check: check, started: started, pass: nil, timers: timers) }
        var ticket: CacheTicket?
        if let cache {
            switch lookUp(in: cache, check: check, route: route, countingMiss: false) {
            case .hit(let outcome):
                return finish(outcome, check: check, started: started, pass: nil, timers: timers)
            case .miss(let missed):
                ticket = missed
            }
        }
        var pass: ThrottlePass?
        if let throttle {
            guard let admitted = throttle.tryAdmit(check.throttleKeys) else { return nil }
            pass = admitted
        }
        guard let outcome = walkNow(route: route, questions: check.questions, password: check.request.password) else {
            pass?.release()
            return nil
        }
        if let cache, let ticket {
            cache.countMiss()
            cache.record(outcome, ticket: ticket)
        }
        return finish(outcome, check: check, started: started, pass: pass, timers: timers)
    }

    /// Answers from the cache or walks the route's chain: unknown user and unavailable pass to
    /// the next backend, an acceptance or a rejection ends it. `then` is called once, on
    /// whichever thread produced the outcome: the thread of the backend that answered last,
    /// the calling thread for a cache hit, or `eventLoop` once a failure's delay is over. A
    /// check waiting for a throttle slot is a closure, not a thread.
    public func run(_ check: Check, on eventLoop: any EventLoop, then: @escaping @Sendable (CheckOutcome) -> Void) {
        let started = eventLoop.now
        let deliver: @Sendable (CheckOutcome, ThrottlePass?, NIODeadline) -> Void = { outcome, pass, started in
            let decided = self.finish(outcome, check: check, started: started, pass: pass, timers: eventLoop)
            guard let holdUntil = decided.holdUntil, holdUntil > eventLoop.now else { return then(decided) }
            eventLoop.scheduleTask(deadline: holdUntil) { then(decided) }
        }
        guard let route = check.route else { return deliver(Self.noRoute, nil, started) }
        var missed: CacheTicket?
        if let cache {
            switch lookUp(in: cache, check: check, route: route, countingMiss: true) {
            case .hit(let outcome): return deliver(outcome, nil, started)
            case .miss(let ticket): missed = ticket
            }
        }
        let ticket = missed
        admit(check, route: route, resumed: false) { pass in
            // A check that waited for its slot asks the store from now on: its failure delay,
            // and so how long it keeps the slot, counts from here, or a queued guess would be
            // answered (and its slot freed) as soon as the store had refused it.
            let admitted = eventLoop.now
            guard let pass else {
                return deliver(Self.throttleRefusal(route: route), nil, started)
            }
            self.step(route: route, questions: check.questions, index: 0, password: check.request.password, trail: [], allUnavailable: true) { outcome in
                if let cache = self.cache, let ticket { cache.record(outcome, ticket: ticket) }
                deliver(outcome, pass, admitted)
            }
        }
    }

    /// `run` as a future on `eventLoop`.
    public func run(_ check: Check, on eventLoop: any EventLoop) -> EventLoopFuture<CheckOutcome> {
        let promise = eventLoop.makePromise(of: CheckOutcome.self)
        run(check, on: eventLoop) { promise.succeed($0) }
        return promise.futureResult
    }

    /// Waits (as a closure in the throttle's queue) for a slot on every key; `go` gets the pass,
    /// or nil when the queue was full.
    private func admit(_ check: Check, route: Route, resumed: Bool, go: @escaping @Sendable (ThrottlePass?) -> Void) {
        guard let throttle else { return go(ThrottlePass(throttle: nil, keys: [])) }
        let admission = throttle.admit(check.throttleKeys, resumed: resumed) {
            self.admit(check, route: route, resumed: true, go: go)
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

    /// The end of every check: a success or an unavailable store is answered at once and gives
    /// its slots back; a failure gets its delay, and its slots are given back when its answer
    /// is due, so the next guess on the same account waits as long.
    private func finish(_ outcome: CheckOutcome, check: Check, started: NIODeadline, pass: ThrottlePass?, timers: any EventLoop) -> CheckOutcome {
        guard outcome.result == .failed else {
            pass?.release()
            return outcome
        }
        let decided = failureDecided(outcome, check: check, started: started)
        if let pass {
            if let holdUntil = decided.holdUntil, holdUntil > timers.now {
                timers.scheduleTask(deadline: holdUntil) { pass.release() }
            } else {
                pass.release()
            }
        }
        return decided
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
    private func lookUp(in cache: CredentialCache, check: Check, route: Route, countingMiss: Bool) -> CacheLookup {
        let generations = route.chain.map { backends[$0]?.storeGeneration() }
        return cache.lookup(key: check.cacheKey, route: route, password: check.request.password, generations: generations, countingMiss: countingMiss)
    }

    /// `step`'s walk for backends that answer at once; nil as soon as one cannot.
    private func walkNow(route: Route, questions: [BackendQuestion], password: Secret) -> CheckOutcome? {
        var trail: [TrailEntry] = []
        var allUnavailable = true
        for question in questions {
            guard let answer = question.answerNow(password: password) else { return nil }
            trail.append(TrailEntry(backend: question.backend, verdict: answer.verdict, requestedDelay: answer.requestedDelay))
            switch answer.verdict {
            case .accepted:
                return CheckOutcome(result: .ok, backend: question.backend, route: route.number, trail: trail)
            case .rejected:
                return CheckOutcome(result: .failed, backend: question.backend, route: route.number, trail: trail)
            case .unknownUser:
                allUnavailable = false
            case .unavailable:
                break
            }
        }
        return CheckOutcome(result: allUnavailable ? .unavailable : .failed, backend: nil, route: route.number, trail: trail)
    }

    private func step(
        route: Route, questions: [BackendQuestion], index: Int, password: Secret, trail: [TrailEntry], allUnavailable: Bool,
        then: @escaping @Sendable (CheckOutcome) -> Void
    ) {
        guard index < questions.count else {
            let result: CheckOutcome.Result = allUnavailable ? .unavailable : .failed
            return then(CheckOutcome(result: result, backend: nil, route: route.number, trail: trail))
        }
        let question = questions[index]
        guard let queue = queues[question.backend], queue.enter() else {
            let verdict = BackendVerdict.unavailable(reason: "queue full (\(queues[question.backend]?.limit ?? 0) checks waiting or running)")
            let trail = trail + [TrailEntry(backend: question.backend, verdict: verdict)]
            return step(route: route, questions: questions, index: index + 1, password: password, trail: trail, allUnavailable: allUnavailable, then: then)
        }
        question.evaluate(password: password) { answer in
            queue.leave()
            let verdict = answer.verdict
            let trail = trail + [TrailEntry(backend: question.backend, verdict: verdict, requestedDelay: answer.requestedDelay)]
            switch verdict {
            case .accepted:
                then(CheckOutcome(result: .ok, backend: question.backend, route: route.number, trail: trail))
            case .rejected:
                then(CheckOutcome(result: .failed, backend: question.backend, route: route.number, trail: trail))
            case .unknownUser:
                self.step(route: route, questions: questions, index: index + 1, password: password, trail: trail, allUnavailable: false, then: then)
            case .unavailable:
                self.step(route: route, questions: questions, index: index + 1, password: password, trail: trail, allUnavailable: allUnavailable, then: then)
            }
        }
    }

    /// Stops every backend's threads.
    public func shutdown() async {
        cache?.close()
        for backend in backends.values { await backend.shutdown() }
    }
}
