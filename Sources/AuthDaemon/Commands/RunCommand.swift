import ArgumentParser
import AuthCore
import CoreMetrics
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// Runs the daemon until SIGTERM or SIGINT.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon (the default when no subcommand is given)."
    )

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: ArgumentHelp("Listen on this socket path instead of the first configured one.", valueName: "PATH"))
    var socket: String?

    @Flag(name: .long, help: "Stay in the foreground. authmuxd never forks: run it under systemd or another supervisor; the flag is accepted for saslauthd-style scripts.")
    var foreground = false

    @Flag(name: .long, help: "Log debug details, including each check's realm-rule steps (never passwords).")
    var debug = false

    func run() async throws {
        DaemonLogging.bootstrap(debug: debug)
        // What systemd handed over is read (and removed from the environment) before anything
        // else, so no thread or child ever sees it.
        let pid = getpid()
        let notifier = SystemdNotifier.fromEnvironment()
        let watchdog = WatchdogService.intervalFromEnvironment(pid: pid)
        let passed: [PassedSocket]
        do {
            passed = try SocketActivation.passedSockets(pid: pid)
        } catch {
            Console.error("authmuxd: \(error)")
            throw ExitCode(1)
        }
        let loadStarted = ContinuousClock.now
        var config = try options.load()
        if let socket {
            guard socket.hasPrefix("/"), socket.utf8.count < 108 else {
                Console.error("authmuxd: --socket needs an absolute path of at most 107 bytes")
                throw ExitCode(2)
            }
            config = config.overridingSocket(socket)
        }
        let logger = Logger(label: "authmuxd")
        let activation: SocketActivation
        do {
            activation = try SocketActivation(passed: passed, listeners: config.listeners)
        } catch {
            Console.error("authmuxd: \(error)")
            throw ExitCode(1)
        }
        // Before any engine exists: the credential cache makes its counters through the factory
        // installed here. Without a metrics endpoint nothing is installed and checks count nothing.
        let exporter = config.metrics.map { _ in MetricsExporter(version: BuildInfo.version) }
        if let exporter { MetricsSystem.bootstrap(exporter.factory) }
        // Judged before any backend starts or socket is bound: a start that cannot honour
        // run_as stops here instead of running as root.
        let privileges = try PrivilegePlan.make(config: config, configPath: options.path, logger: logger)
        let engine: AuthEngine
        do {
            engine = try AuthEngine(config: config, logger: logger)
        } catch {
            Console.error("authmuxd: cannot start a backend: \(error)")
            throw ExitCode(1)
        }
        // Before any socket is bound: a backend that must not serve (a PAM stack that lets a
        // wrong password through) stops the start like any configuration error.
        let refusals = await engine.refusals()
        guard refusals.isEmpty else {
            for refusal in refusals { Console.error("authmuxd: invalid configuration: \(refusal)") }
            await engine.shutdown()
            throw ExitCode(2)
        }
        for (name, backend) in engine.backends.sorted(by: { $0.key < $1.key }) {
            for problem in await backend.problems() {
                logger.warning("backend problem", metadata: ["backend": "\(name)", "problem": "\(problem)"])
            }
        }
        let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: config.limits.eventLoops)
        let meter = exporter.map { CheckMeter(routes: config.routes, factory: $0.factory) }
        exporter?.configLoaded(duration: ContinuousClock.now - loadStarted)
        let active = ActiveEngine(engine: engine, limits: config.limits, meter: meter)
        let context = ServerContext(
            active: active, logger: logger, traceNormalization: debug, group: eventLoops,
            budget: ConnectionBudget(limit: config.limits.maxConnections), tracker: ConnectionTracker(), counters: ServingCounters())
        let tallies = config.listeners.map(ListenerConnections.init)
        var metricsServer: MetricsServer?
        if let exporter, let metrics = config.metrics {
            exporter.add(DaemonScrapeSource(active: active, listeners: tallies, counters: context.counters))
            metricsServer = MetricsServer(config: metrics, exporter: exporter, group: eventLoops, logger: logger)
        }
        let server = DoorServer(
            listeners: config.listeners, context: context, limits: config.limits,
            privileges: privileges, tallies: tallies, activation: activation, metrics: metricsServer, notifier: notifier)
        let reloader = ReloadService(configPath: options.path, socketOverride: socket, listeners: config.listeners, startLimits: config.limits, metrics: config.metrics,
            runAs: privileges?.account, active: active, logger: logger, notifier: notifier, exporter: exporter)
        var members: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: server), .init(service: reloader, successTerminationBehavior: .ignore),
        ]
        if let watchdog, notifier.isActive {
            members.append(.init(service: WatchdogService(notifier: notifier, interval: watchdog, loop: eventLoops.next()), successTerminationBehavior: .ignore))
        }
        let services = ServiceGroup(configuration: .init(
            services: members,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        logger.info("starting", metadata: ["config": "\(config.file)", "backends": "\(config.backends.map(\.name).joined(separator: ", "))"])
        var failure: (any Error)?
        do {
            try await services.run()
        } catch {
            failure = error
        }
        await active.current.engine.shutdown()
        try? await eventLoops.shutdownGracefully()
        DaemonLogging.flush()
        guard let failure else { return }
        if let configError = failure as? ConfigError {
            Console.error("authmuxd: invalid configuration: \(configError)")
            throw ExitCode(2)
        }
        Console.error("authmuxd: \(failure)")
        throw ExitCode((failure as? PrivilegeError)?.configProblem == true ? 2 : 1)
    }
}
