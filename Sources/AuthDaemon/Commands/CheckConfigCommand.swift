import ArgumentParser
import AuthCore
import Logging

/// `authmuxd check-config`: the verdict the daemon would reach on start, and what it would do.
struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the configuration and print the effective listeners, realm rules, backends and routes."
    )

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let config = try options.load()
        Console.out("\(config.file): configuration is valid")
        Console.out("listen:")
        for listener in config.listeners {
            let group = listener.group.map { ", group \($0)" } ?? ""
            let service = listener.protocolName.takesServiceFromListener ? ", service \(listener.pwcheckService)" : ""
            Console.out("  \(listener.protocolName.rawValue) on \(listener.path) (mode \(ListenerConfig.octal(listener.mode)), directory mode \(ListenerConfig.octal(listener.directoryMode)) if created\(group)\(service))")
            if let allow = listener.allow {
                // Names that do not exist on this host stop the start: say so here too.
                do {
                    _ = try PeerPolicy.resolve(allow)
                } catch {
                    Console.error("authmuxd: invalid configuration: \(error)")
                    throw ExitCode(2)
                }
                Console.out("    allow: \(allow.summary) (checked with SO_PEERCRED on accept)")
            } else {
                Console.out("    allow: anyone who can reach the socket file")
            }
        }
        let rules = config.realms
        Console.out("realms:")
        Console.out("  default: \(rules.defaultRealm?.text ?? "(none: requests without a realm keep an empty realm)")")
        let aliases = rules.aliases.map { "\($0.key.text) -> \($0.value.text)" }.sorted()
        Console.out("  aliases: \(aliases.isEmpty ? "(none)" : aliases.joined(separator: ", "))")
        Console.out("  split_login: \(rules.splitLogin.rawValue), lowercase_user: \(rules.lowercaseUser)")
        Console.out("limits: read_timeout \(ConfigNode.format(config.limits.readTimeout)), client_address_grace \(ConfigNode.format(config.limits.clientAddressGrace)), event_loops \(config.limits.eventLoops), accept_threads \(config.limits.acceptThreads), connection_threads \(config.limits.connectionThreads), max_connections \(config.limits.maxConnections), max_queue \(config.limits.maxQueue)")
        Console.out("throttle: \(config.throttle.summary)")
        Console.out("failure_delay: floor \(ConfigNode.format(config.failureDelay.floor)), cap \(ConfigNode.format(config.failureDelay.cap))")

        var logger = Logger(label: "authmuxd")
        logger.logLevel = .error
        let engine = try AuthEngine(config: config, logger: logger)
        Console.out("backends:")
        // What would stop a start; reported with the other such problems below.
        var refusals: [ConfigError] = []
        for definition in config.backends {
            Console.out("  \(definition.name): \(definition.settings.summary)\(definition.cacheable ? "" : ", cache: false")")
            if let backend = engine.backends[definition.name] {
                for refusal in await backend.refusals() {
                    Console.out("    error: \(refusal.message)")
                    refusals.append(refusal)
                }
                for problem in await backend.problems() { Console.out("    warning: \(problem)") }
            }
        }
        await engine.shutdown()
        let runAsProblem = Self.reportRunAs(config)
        Console.out("cache: \(config.cache.summary)")
        if let metrics = config.metrics {
            var detail = ""
            if let listener = metrics.socketListener {
                detail = " (mode \(ListenerConfig.octal(listener.mode))\(listener.group.map { ", group \($0)" } ?? ""), allow: \(listener.allow?.summary ?? "anyone who can reach the socket file"))"
            }
            let place = metrics.socketListener == nil ? "http://\(metrics.endpointText)/metrics" : "GET /metrics on \(metrics.endpointText)"
            Console.out("metrics: Prometheus text format, \(place)\(detail)")
        } else {
            Console.out("metrics: off (no metrics: section)")
        }
        Console.out("routes (first match wins):")
        for route in config.routes { Console.out("  \(route.description)") }
        if config.routes.last?.match != nil {
            Console.out("  (no default route: checks that match none are answered NO)")
        }
        do {
            for listener in config.listeners + [config.metrics?.socketListener].compactMap({ $0 }) {
                _ = try SocketPreparer.groupID(for: listener)
                _ = try listener.allow.map(PeerPolicy.resolve)
            }
        } catch {
            Console.error("authmuxd: invalid configuration: \(error)")
            throw ExitCode(2)
        }
        for refusal in refusals { Console.error("authmuxd: invalid configuration: \(refusal)") }
        if let runAsProblem {
            Console.error("authmuxd: \(runAsProblem)")
            throw ExitCode(2)
        }
        if !refusals.isEmpty { throw ExitCode(2) }
    }
}
