import CoreMetrics
import NIOConcurrencyHelpers
import Prometheus

/// swift-metrics' factory for authmuxd: swift-prometheus' registry with each family's help text
/// from `MetricCatalog`, and the lock-free `AtomicHistogram` for check durations.
///
/// swift-prometheus' own factory registers every metric without help text, and its registry
/// stops the process when one name is registered with two different help texts; so every
/// metric, whoever makes it (the credential cache in AuthCore makes its own), is registered
/// here with the catalog's text, and `promtool check metrics` finds a HELP line for each.
/// Handles are made once (per engine, per cache), never per check.
final class CatalogMetricsFactory: MetricsFactory, Sendable {
    let registry: PrometheusCollectorRegistry
    private let histograms = NIOLockedValueBox<[String: AtomicHistogram]>([:])

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// The descriptor of `name`, whose help text comes from the catalog.
    static func descriptor(_ name: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: MetricCatalog.help(for: name))
    }

    /// Every lock-free histogram made so far, in a stable order, for the exporter.
    var atomicHistograms: [AtomicHistogram] {
        histograms.withLockedValue { $0.sorted { $0.key < $1.key }.map(\.value) }
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: Self.descriptor(label), labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: Self.descriptor(label), labels: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: Self.descriptor(label), labels: dimensions) }
        return registry.makeValueHistogram(
            descriptor: Self.descriptor(label), labels: dimensions, buckets: [0.001, 0.01, 0.1, 1, 10, 100, 1000])
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: Self.descriptor(label), labels: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let key = label + "\u{0}" + dimensions.map { "\($0.0)=\($0.1)" }.joined(separator: "\u{0}")
        return histograms.withLockedValue { histograms in
            if let existing = histograms[key] { return existing }
            let made = AtomicHistogram(name: label, labels: dimensions)
            histograms[key] = made
            return made
        }
    }

    // Handles live as long as the process: a series that stopped moving is still a true count.
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}
