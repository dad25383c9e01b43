import AuthCore
import Logging
import ServiceLifecycle
import UnixSignals

/// SIGHUP re-reads the configuration. A valid one replaces realm rules, limits, backends and
/// routes for new connections; an invalid one is refused with its file, line and key, and the
/// running configuration keeps serving. Listener changes need a restart and the log says so.
struct ReloadService: Service {
    let configPath: String
    let socketOverride: String?
    let listeners: [ListenerConfig]
    /// The `limits:` the daemon started with, against which the keys read at start only are
    /// compared.
    let startLimits: LimitsConfig
    /// The `metrics:` section the daemon started with (read at start only).
    var metrics: MetricsConfig? = nil
    /// The `run_as` account the daemon switched to at start, if any: a reloaded configuration
    /// must work as it, since root cannot be had back.
    var runAs: RunAsAccount? = nil
    let active: ActiveEngine
    let logger: Logger
    /// Told RELOADING=1 before and READY=1 after every reload, whatever its outcome (the old
    /// configuration still serves after a refused one).
    var notifier = SystemdNotifier(notifySocket: nil)
    /// Counts reloads and the load time; builds the new engine's check metrics.
    var exporter: MetricsExporter? = nil

    /// How long a replaced engine's threads stay up for checks that were already in flight.
    static let retirementDelay: Duration = .seconds(30)

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            await reload()
        }
    }

    func reload() async {
        notifier.reloading()
        let status = await apply()
        exporter?.reloaded(ok: status.ok)
        notifier.ready(status: status.text)
    }

    /// Reads, validates and installs the configuration; what `systemctl status` should say.
    private func apply() async -> (ok: Bool, text: String) {
        let refused = (ok: false, text: "\(DoorServer.readyStatus(listeners)); reload refused, see the log")
        let started = ContinuousClock.now
        logger.notice("SIGHUP: reloading the configuration", metadata: ["config": "\(configPath)"])
        var config: AuthmuxConfig
        do {
            config = try ConfigLoader.load(path: configPath, catalog: Composition.catalog)
        } catch {
            logger.error("reload refused, the running configuration stays: \(error)")
            return refused
        }
        if let socketOverride { config = config.overridingSocket(socketOverride) }
        if config.listeners != listeners {
            logger.warning("listen: changes are not applied by a reload; restart authmuxd to apply them")
        }
        let startOnly: [(key: String, value: (LimitsConfig) -> Int)] = [
            ("event_loops", \.eventLoops), ("accept_threads", \.acceptThreads), ("connection_threads", \.connectionThreads),
            ("max_connections", \.maxConnections),
        ]
        for limit in startOnly where limit.value(config.limits) != limit.value(startLimits) {
            logger.warning("limits.\(limit.key): a change is not applied by a reload; restart authmuxd to apply it")
        }
        // Compared by ids: a group database edited since the start is not a change of run_as.
        let wanted = config.runAs.flatMap { try? RunAsAccount.resolve($0) }
        if let runAs {
            if wanted?.uid != runAs.uid || wanted?.gid != runAs.gid {
                logger.warning("run_as: a change is not applied by a reload; restart authmuxd to apply it")
            }
            if let refusal = RunAsReview(backends: config.backends, account: runAs).refusal {
                logger.error("reload refused, the running configuration stays: \(refusal)")
                return refused
            }
        } else if config.runAs != nil && wanted?.isRoot != true {
            logger.warning("run_as: a change is not applied by a reload; restart authmuxd to apply it")
        }
        let engine: AuthEngine
        do {
            engine = try AuthEngine(config: config, logger: logger)
        } catch {
            logger.error("reload refused, a backend cannot start: \(error)")
            return refused
        }
        let refusals = await engine.refusals()
        guard refusals.isEmpty else {
            for refusal in refusals { logger.error("reload refused, the running configuration stays: \(refusal)") }
            await engine.shutdown()
            return refused
        }
        for (name, backend) in engine.backends.sorted(by: { $0.key < $1.key }) {
            for problem in await backend.problems() {
                logger.warning("backend problem", metadata: ["backend": "\(name)", "problem": "\(problem)"])
            }
        }
        if config.metrics != metrics {
            logger.warning("metrics: changes are not applied by a reload; restart authmuxd to apply them")
        }
        let meter = exporter.map { CheckMeter(routes: config.routes, factory: $0.factory) }
        let previous = active.replace(engine: engine, limits: config.limits, meter: meter)
        exporter?.configLoaded(duration: ContinuousClock.now - started)
        // The new engine starts with an empty cache under a new key; the old one's entries go
        // now rather than when its threads retire, and its late checks cannot refill it.
        previous.engine.cache?.close()
        logger.notice("configuration reloaded", metadata: ["backends": "\(config.backends.map(\.name).joined(separator: ", "))", "routes": "\(config.routes.count)"])
        Task {
            try? await Task.sleep(for: Self.retirementDelay)
            await previous.engine.shutdown()
        }
        return (true, DoorServer.readyStatus(listeners))
    }
}
