/// Runs an auth stack the way libpam's dispatcher does (`_pam_dispatch_aux`, pam_dispatch.c),
/// for every answer each module could give to a wrong password, and finds a run that ends in
/// PAM_SUCCESS.
///
/// The rules, from the library: the stack carries an impression (undecided, positive, negative)
/// and a status code, starting undecided with PAM_PERM_DENIED. `ok`/`done` set both from the
/// module's code while nothing has gone wrong yet (undecided, or positive with PAM_SUCCESS);
/// `done` then ends the (sub)stack if it is positive. `bad`/`die` make it negative with the
/// module's code (PAM_IGNORE becomes PAM_PERM_DENIED) unless it already is; `die` ends the
/// (sub)stack. `reset` restores the state as of the start of the stack, or of the substack it
/// is in. A jump skips lines of the same (sub)stack, a substack counting as one; a jump past the
/// end makes the stack fail. An `include`d file's lines belong to the includer's stack, so its
/// `done`, `die`, `reset` and jumps act there; a `substack` keeps them inside. The result is
/// success only when the status is PAM_SUCCESS and the impression positive.
///
/// Every distinct state is explored once, so the search ends after at most a few times as many
/// steps as the stack has lines times the codes a module can return.
public struct PAMStackEvaluator: Sendable {
    /// A search that visits this many states gives up (with an error) rather than take long:
    /// real stacks need a few thousand.
    public static let stateLimit = 500_000

    public let entries: [PAMStackEntry]

    public init(entries: [PAMStackEntry]) {
        self.entries = entries
    }

    private enum Impression: UInt8, Hashable {
        case undecided, positive, negative
    }

    private struct Snapshot: Hashable {
        var impression: Impression
        var status: PAMReturnCode
    }

    private struct State: Hashable {
        /// The next entry to look at.
        var index = 0
        var previousLevel = 0
        var current = Snapshot(impression: .undecided, status: .mustFail)
        /// The state as each (sub)stack level was entered; level 0 is the stack's start.
        var entered: [Snapshot]
    }

    /// A run of the stack that accepts a wrong password, or nil when every run refuses it.
    public func wrongPasswordPath() throws(PAMStackError) -> PAMWrongPasswordPath? {
        let deepest = entries.map(\.level).max() ?? 0
        let start = State(entered: Array(repeating: Snapshot(impression: .undecided, status: .mustFail), count: deepest + 1))
        // Paths are kept as a tree of steps so that branching does not copy them.
        var steps: [(parent: Int?, step: PAMWrongPasswordPath.Step)] = []
        var pending: [(state: State, path: Int?)] = [(start, nil)]
        var seen: Set<State> = [start]
        while let (initial, path) = pending.popLast() {
            guard seen.count <= Self.stateLimit else {
                throw PAMStackError(file: entries.first?.line.file ?? "?", message: "too many ways through this stack to judge it (over \(Self.stateLimit))")
            }
            var state = initial
            // Substack markers are passed over; the state is noted on entering a deeper level.
            while state.index < entries.count {
                let level = entries[state.index].level
                if state.previousLevel < level { state.entered[level] = state.current }
                guard case .substack = entries[state.index].kind else { break }
                state.previousLevel = level
                state.index += 1
            }
            guard state.index < entries.count else {
                if state.current.status == .success && state.current.impression == .positive,
                   let found = PAMWrongPasswordPath(steps: Self.unwind(path, in: steps)) {
                    return found
                }
                continue
            }
            let entry = entries[state.index]
            guard case .module(_, let arguments, let actions) = entry.kind else { continue }
            let behaviour = PAMModuleBehaviour.of(moduleName: entry.moduleName ?? "", arguments: arguments)
            // Reversed, so the likeliest answer is explored first and reported if it gets through.
            for result in behaviour.possibleResults.reversed() {
                // pam_authenticate hands PAM_INCOMPLETE back to the application: not a success.
                if result == .incomplete { continue }
                let action = actions[result]
                let next = apply(action, result: result, at: entry.level, to: state)
                guard seen.insert(next).inserted else { continue }
                steps.append((path, PAMWrongPasswordPath.Step(entry: entry, behaviour: behaviour, result: result, action: action)))
                pending.append((next, steps.count - 1))
            }
        }
        return nil
    }

    private func apply(_ action: PAMAction, result: PAMReturnCode, at level: Int, to state: State) -> State {
        var state = state
        switch action {
        case .reset:
            state.current = state.entered[level]
        case .ok, .done:
            if state.current.impression == .undecided || (state.current.impression == .positive && state.current.status == .success) {
                state.current = Snapshot(impression: .positive, status: result)
            }
            if state.current.impression == .positive, action == .done { endStack(&state, at: level) }
        case .bad, .die:
            if state.current.impression != .negative {
                state.current = Snapshot(impression: .negative, status: result == .ignore ? .mustFail : result)
            }
            if action == .die { endStack(&state, at: level) }
        case .ignore:
            break
        case .jump(let count):
            var remaining = count
            while state.index + 1 < entries.count, entries[state.index + 1].level >= level, remaining > 0 {
                repeat { state.index += 1 } while state.index + 1 < entries.count && entries[state.index + 1].level > level
                remaining -= 1
            }
            if remaining > 0 {
                // libpam logs "bad jump in stack" and fails the stack, but carries on.
                state.current = Snapshot(impression: .negative, status: .mustFail)
            }
        }
        state.previousLevel = level
        state.index += 1
        return state
    }

    /// `done` or `die`: the rest of this (sub)stack, and anything nested in it, is skipped.
    private func endStack(_ state: inout State, at level: Int) {
        while state.index + 1 < entries.count, entries[state.index + 1].level >= level { state.index += 1 }
    }

    private static func unwind(_ node: Int?, in steps: [(parent: Int?, step: PAMWrongPasswordPath.Step)]) -> [PAMWrongPasswordPath.Step] {
        var path: [PAMWrongPasswordPath.Step] = []
        var node = node
        while let index = node {
            path.append(steps[index].step)
            node = steps[index].parent
        }
        return path.reversed()
    }
}
