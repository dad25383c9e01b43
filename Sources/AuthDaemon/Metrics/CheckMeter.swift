import AuthCore
import CoreMetrics

/// The per-check metrics of one engine's routes, with every handle made when the engine is
/// built: `authmux_checks_total` for every door, route, backend of the route and result a check
/// can come to (see `possible`), and `authmux_check_duration_seconds` per backend.
///
/// Recording a check is array indexing, a comparison of the deciding backend's name with the
/// route's few backend names, and two or three relaxed atomic adds: no registry lookup, no lock,
/// no allocation. A reload builds a new meter for the new routes; handles with the same labels
/// are the same series, so counts go on across reloads.
final class CheckMeter: Sendable {
    private struct RouteHandles: Sendable {
        /// The route's backends; label index 0 is "none", 1... these.
        let chain: [String]
        /// Indexed by `(door * (chain.count + 1) + backend) * results + result`; nil for a
        /// combination no check can come to.
        let counters: [CoreMetrics.Counter?]
        /// Indexed by backend label index.
        let durations: [CoreMetrics.Timer]
    }

    /// Index 0 is "no route"; index n is route number n.
    private let routes: [RouteHandles]
    private let refused: [CoreMetrics.Counter]
    private let throttleDelays: CoreMetrics.Counter

    private static let doors = ListenerProtocol.allCases
    private static let results = CheckResultLabel.allCases

    init(routes configured: [Route], factory: any MetricsFactory) {
        var built: [RouteHandles] = []
        let numbered = configured.sorted { $0.number < $1.number }
        // Route numbers are 1, 2, 3… in file order; anything else gets its own slot anyway.
        let count = (numbered.last?.number ?? 0) + 1
        for number in 0..<count {
            let route = numbered.first { $0.number == number }
            let chain = route?.chain ?? []
            let routeText = route.map { String($0.number) } ?? "none"
            let backendTexts = ["none"] + chain
            var counters: [CoreMetrics.Counter?] = []
            for door in Self.doors {
                for (backendIndex, backend) in backendTexts.enumerated() {
                    for result in Self.results {
                        guard Self.possible(result, route: route != nil, backend: backendIndex > 0) else {
                            counters.append(nil)
                            continue
                        }
                        counters.append(CoreMetrics.Counter(
                            label: MetricCatalog.checks.name,
                            dimensions: [("door", door.rawValue), ("route", routeText), ("backend", backend), ("result", result.text)],
                            factory: factory))
                    }
                }
            }
            let durations = backendTexts.map {
                CoreMetrics.Timer(label: MetricCatalog.checkDuration.name, dimensions: [("backend", $0)], factory: factory)
            }
            built.append(RouteHandles(chain: chain, counters: counters, durations: durations))
        }
        routes = built
        refused = Self.doors.map { door in
            CoreMetrics.Counter(
                label: MetricCatalog.checks.name,
                dimensions: [("door", door.rawValue), ("route", "none"), ("backend", "none"), ("result", CheckResultLabel.refusedInput.text)],
                factory: factory)
        }
        throttleDelays = CoreMetrics.Counter(label: MetricCatalog.throttleDelays.name, factory: factory)
    }

    /// One decided check, `nanoseconds` after its connection was accepted.
    func record(door: ListenerProtocol, outcome: CheckOutcome, nanoseconds: Int64) {
        let route = outcome.route.flatMap { $0 > 0 && $0 < routes.count ? $0 : nil } ?? 0
        let handles = routes[route]
        let (result, backend) = CheckResultLabel.of(outcome)
        var backendIndex = 0
        if let backend {
            for (offset, name) in handles.chain.enumerated() where name == backend {
                backendIndex = offset + 1
                break
            }
        }
        let index = (Self.doorIndex(door) * (handles.chain.count + 1) + backendIndex) * Self.results.count + result.rawValue
        handles.counters[index]?.increment()
        handles.durations[backendIndex].recordNanoseconds(nanoseconds)
        if outcome.throttledBy != nil { throttleDelays.increment() }
    }

    /// Whether a check can come to `result` with a route (or none) and a backend label (or
    /// none), as `CheckResultLabel.of` decides: without a route only a refusal for want of one,
    /// or refused input; on a route without a backend only the throttle's refusal; with a
    /// backend anything but refused input. Series for the rest would only ever say 0.
    private static func possible(_ result: CheckResultLabel, route: Bool, backend: Bool) -> Bool {
        switch (route, backend) {
        case (false, _): return result == .rejected || result == .refusedInput
        case (true, false): return result == .rejected
        case (true, true): return result != .refusedInput
        }
    }

    /// A request refused before any check (`refused_input`).
    func refusedInput(door: ListenerProtocol) {
        refused[Self.doorIndex(door)].increment()
    }

    private static func doorIndex(_ door: ListenerProtocol) -> Int {
        switch door {
        case .saslauthd: return 0
        case .pwcheck: return 1
        case .authdaemond: return 2
        case .dovecot: return 3
        }
    }
}
