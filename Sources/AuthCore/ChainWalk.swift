/// The walk along a route's chain of backends, as a value (shared/DESIGN.md, "Verdicts and
/// chains"): unknown user and unavailable pass to the next backend, an acceptance or a
/// rejection ends it, and the outcome says whether every backend was unavailable. The engine
/// drives the same walk whether backends answer at once (`settleNow`) or from their threads
/// (`run`), so the rules live in one place.
struct ChainWalk: Sendable {
    enum Step: Sendable {
        /// Ask this backend next.
        case ask(BackendQuestion)
        /// The chain has ended.
        case done(CheckOutcome)
    }

    let route: Route
    let questions: [BackendQuestion]
    private var index = 0
    private var trail: [TrailEntry] = []
    private var allUnavailable = true
    private var ended: CheckOutcome?

    init(route: Route, questions: [BackendQuestion]) {
        self.route = route
        self.questions = questions
    }

    var step: Step {
        if let ended { return .done(ended) }
        guard index < questions.count else {
            return .done(CheckOutcome(result: allUnavailable ? .unavailable : .failed, backend: nil, route: route.number, trail: trail))
        }
        return .ask(questions[index])
    }

    /// Records the current backend's answer; `step` says what comes next. (It returned that step
    /// too, which every caller dropped: a copy of the outcome through Optional's generic value
    /// witnesses, about 450 instructions of a sasldb check.)
    mutating func record(_ answer: BackendAnswer) {
        guard ended == nil, index < questions.count else { return }
        let backend = questions[index].backend
        trail.append(TrailEntry(backend: backend, verdict: answer.verdict, requestedDelay: answer.requestedDelay))
        switch answer.verdict {
        case .accepted:
            ended = CheckOutcome(result: .ok, backend: backend, route: route.number, trail: trail)
        case .rejected:
            ended = CheckOutcome(result: .failed, backend: backend, route: route.number, trail: trail)
        case .unknownUser:
            allUnavailable = false
            index += 1
        case .unavailable:
            index += 1
        }
    }
}
