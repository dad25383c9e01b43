import AuthCore

/// The running daemon's state at scrape time: each backend's held and running checks and
/// servers, the throttle's keys, each listener's open connections, the connection cap's and
/// allow lists' counts, and the paths answers took.
struct DaemonScrapeSource: ScrapeSource {
    let active: ActiveEngine
    let listeners: [ListenerConnections]
    let counters: ServingCounters

    func sample(into exporter: MetricsExporter) {
        let engine = active.current.engine
        let held = engine.heldChecks()
        for (name, backend) in engine.backends.sorted(by: { $0.key < $1.key }) {
            let status = backend.status()
            exporter.setGauge(MetricCatalog.backendQueueDepth, [("backend", name)], to: Double(held[name] ?? 0))
            exporter.setGauge(MetricCatalog.backendInFlight, [("backend", name)], to: Double(status.running ?? 0))
            for server in status.servers {
                exporter.setGauge(MetricCatalog.ldapServerUp, [("backend", name), ("server", server.uri)], to: server.up ? 1 : 0)
            }
        }
        exporter.setGauge(MetricCatalog.throttleKeys, to: Double(engine.throttle?.trackedKeys ?? 0))
        for listener in listeners {
            exporter.setGauge(
                MetricCatalog.openConnections, [("door", listener.listener.protocolName.rawValue), ("listener", listener.listener.path)],
                to: Double(listener.count))
        }
        exporter.mirror(MetricCatalog.capPauses, total: counters.value(.capPauses))
        exporter.mirror(MetricCatalog.capEvictions, total: counters.value(.idleEvicted))
        exporter.mirror(MetricCatalog.peersRefused, total: counters.value(.peersRefused))
        let paths: [(String, ServingCounters.Counter)] = [
            ("accept_thread", .answeredOnAcceptThread), ("backend_thread", .answeredFromBackendThread),
            ("event_loop", .answeredOnEventLoop), ("after_delay", .answeredAfterDelay),
        ]
        for (path, counter) in paths {
            exporter.mirror(MetricCatalog.answers, [("path", path)], total: counters.value(counter))
        }
        exporter.mirror(MetricCatalog.handedToEventLoop, total: counters.value(.handedToEventLoop))
    }
}
