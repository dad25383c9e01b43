import ArgumentParser
import AuthCore
import Foundation

/// `authmuxd status`: a look at a running daemon without Prometheus or Grafana. Reads its
/// metrics endpoint twice, a short interval apart, and prints checks per second by result, the
/// cache's hit rate and the backends' state.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Summarize a running daemon from its metrics endpoint: checks/s by result, cache hit rate, backends up."
    )

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: ArgumentHelp(
        "The metrics endpoint: a Unix socket path, host:port or http://host:port/metrics. Default: the configuration's metrics: section.",
        valueName: "URL|SOCKET"))
    var metrics: String?

    @Option(name: .long, help: ArgumentHelp("Seconds between the two readings the rates come from (0.1 to 60).", valueName: "SECONDS"))
    var interval: Double = 2

    func run() throws {
        guard (0.1...60).contains(interval) else {
            Console.error("authmuxd: --interval must be between 0.1 and 60 seconds")
            throw ExitCode(2)
        }
        let endpoint: MetricsEndpoint
        if let metrics {
            guard let parsed = MetricsEndpoint(argument: metrics) else {
                Console.error("authmuxd: --metrics: expected a socket path, host:port or http://host:port/metrics, not \(metrics)")
                throw ExitCode(2)
            }
            endpoint = parsed
        } else {
            let config = try options.load()
            guard let section = config.metrics else {
                Console.error("authmuxd: \(config.file) has no metrics: section, so the daemon serves no metrics; add one (see the README) or pass --metrics")
                throw ExitCode(2)
            }
            endpoint = MetricsEndpoint(config: section)
        }
        do {
            let before = MetricSample.parseAll(try endpoint.fetch())
            let started = Date()
            Thread.sleep(forTimeInterval: interval)
            let after = MetricSample.parseAll(try endpoint.fetch())
            let seconds = max(Date().timeIntervalSince(started), 0.001)
            Console.out("metrics: \(endpoint)")
            for line in StatusSummary(before: before, after: after, seconds: seconds).lines { Console.out(line) }
        } catch {
            Console.error("authmuxd: \(error)")
            throw ExitCode(2)
        }
    }
}
