import CoreMetrics
import Foundation
import NIOConcurrencyHelpers
import Prometheus

/// The Prometheus exposition of everything authmuxd measures: swift-prometheus' registry (the
/// counters and gauges, whoever made them through swift-metrics), the lock-free check-duration
/// histograms, and the values read only when scraped (`ScrapeSource`s), so that nothing on a
/// check's path keeps a gauge up to date.
final class MetricsExporter: Sendable {
    let factory: CatalogMetricsFactory
    private var registry: PrometheusCollectorRegistry { factory.registry }
    private let sources = NIOLockedValueBox<[any ScrapeSource]>([])
    /// Serializes scrapes, so two at once cannot both add a counter's growth (`mirror`).
    private let scrapeLock = NIOLock()
    /// The last total each mirrored counter was brought to.
    private let mirrored = NIOLockedValueBox<[String: Int]>([:])

    init(version: String) {
        factory = CatalogMetricsFactory(registry: PrometheusCollectorRegistry())
        registry.makeGauge(descriptor: CatalogMetricsFactory.descriptor(MetricCatalog.buildInfo.name), labels: [("version", version)]).set(to: 1.0)
        for result in ["ok", "failed"] {
            _ = registry.makeCounter(descriptor: CatalogMetricsFactory.descriptor(MetricCatalog.reloads.name), labels: [("result", result)])
        }
    }

    func add(_ source: any ScrapeSource) {
        sources.withLockedValue { $0.append(source) }
    }

    /// The text exposition format (version 0.0.4), as Prometheus scrapes it.
    func exposition() -> [UInt8] {
        scrapeLock.withLock {
            for source in sources.withLockedValue({ $0 }) { source.sample(into: self) }
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16 * 1024)
            registry.emit(into: &buffer)
            let histograms = factory.atomicHistograms
            var named = Set<String>()
            for histogram in histograms where named.insert(histogram.name).inserted {
                let help = MetricCatalog.help(for: histogram.name)
                buffer.append(contentsOf: "# HELP \(histogram.name) \(help)\n# TYPE \(histogram.name) histogram\n".utf8)
                for member in histograms where member.name == histogram.name { member.emit(into: &buffer) }
            }
            return buffer
        }
    }

    // MARK: For scrape sources and events

    func setGauge(_ entry: MetricCatalog.Entry, _ labels: [(String, String)] = [], to value: Double) {
        registry.makeGauge(descriptor: CatalogMetricsFactory.descriptor(entry.name), labels: labels).set(to: value)
    }

    /// Brings a counter to `total`, a count kept elsewhere that only grows (ServingCounters).
    func mirror(_ entry: MetricCatalog.Entry, _ labels: [(String, String)] = [], total: Int) {
        let key = entry.name + labels.map { "\u{0}\($0.0)=\($0.1)" }.joined()
        let growth = mirrored.withLockedValue { last -> Int in
            let previous = last[key] ?? 0
            guard total > previous else { return 0 }
            last[key] = total
            return total - previous
        }
        let counter = registry.makeCounter(descriptor: CatalogMetricsFactory.descriptor(entry.name), labels: labels)
        // Made even when nothing grew, so the series exists at 0 from the first scrape.
        if growth > 0 { counter.increment(by: Int64(growth)) }
    }

    /// A configuration loaded at start or by a reload: when, and how long it took.
    func configLoaded(duration: Duration) {
        setGauge(MetricCatalog.configLoaded, to: Date().timeIntervalSince1970)
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        setGauge(MetricCatalog.configLoadDuration, to: seconds)
    }

    func reloaded(ok: Bool) {
        registry.makeCounter(descriptor: CatalogMetricsFactory.descriptor(MetricCatalog.reloads.name), labels: [("result", ok ? "ok" : "failed")])
            .increment()
    }

    /// A label value as the text format wants it: backslash, double quote and newline escaped.
    static func escaped(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }
}
