import CoreMetrics
import Synchronization

/// A duration histogram recorded with two relaxed atomic adds and no lock.
///
/// swift-prometheus' own histogram takes a lock for every value, and check durations are
/// recorded on the accept threads tens of thousands of times a second; so the check-duration
/// histogram is this one, made by `CatalogMetricsFactory` and rendered by `MetricsExporter` in
/// the same exposition. Buckets count their own values (not cumulatively) and the total is their
/// sum, so one scrape reads each counter once and the cumulative counts it prints always agree.
final class AtomicHistogram: TimerHandler, Sendable {
    /// One counter, boxed so an array can hold it (`Atomic` cannot be copied).
    private final class Slot: Sendable {
        let value = Atomic<Int>(0)
    }

    let name: String
    let labels: [(String, String)]
    /// Upper bounds in nanoseconds, ascending; one more slot counts values above the last.
    private let bounds: [Int64]
    private let boundTexts: [String]
    private let slots: [Slot]
    private let sumNanoseconds = Slot()

    /// Upper bounds from 100 µs (a cache hit) to 10 s (an LDAP timeout).
    static let defaultBounds: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    init(name: String, labels: [(String, String)], bounds: [Duration] = AtomicHistogram.defaultBounds) {
        self.name = name
        self.labels = labels
        self.bounds = bounds.map { $0.components.seconds * 1_000_000_000 + $0.components.attoseconds / 1_000_000_000 }
        self.boundTexts = self.bounds.map { Self.seconds($0) }
        self.slots = (0...bounds.count).map { _ in Slot() }
    }

    func recordNanoseconds(_ duration: Int64) {
        let value = max(duration, 0)
        var index = 0
        while index < bounds.count && value > bounds[index] { index += 1 }
        slots[index].value.add(1, ordering: .relaxed)
        sumNanoseconds.value.add(Int(value), ordering: .relaxed)
    }

    /// Appends the `_bucket`, `_sum` and `_count` lines (the family's HELP and TYPE lines are
    /// the exporter's).
    func emit(into buffer: inout [UInt8]) {
        let labelText = labels.map { "\($0.0)=\"\(MetricsExporter.escaped($0.1))\"" }.joined(separator: ",")
        let prefix = labelText.isEmpty ? "" : labelText + ","
        var cumulative = 0
        for index in slots.indices {
            cumulative += slots[index].value.load(ordering: .relaxed)
            let bound = index < boundTexts.count ? boundTexts[index] : "+Inf"
            buffer.append(contentsOf: "\(name)_bucket{\(prefix)le=\"\(bound)\"} \(cumulative)\n".utf8)
        }
        let suffix = labelText.isEmpty ? "" : "{\(labelText)}"
        buffer.append(contentsOf: "\(name)_sum\(suffix) \(Self.seconds(Int64(sumNanoseconds.value.load(ordering: .relaxed))))\n".utf8)
        buffer.append(contentsOf: "\(name)_count\(suffix) \(cumulative)\n".utf8)
    }

    /// Nanoseconds as seconds in plain decimal (`0.00025`, `2.5`, `10`).
    static func seconds(_ nanoseconds: Int64) -> String {
        let whole = nanoseconds / 1_000_000_000
        var fraction = String(nanoseconds % 1_000_000_000)
        guard fraction != "0" else { return "\(whole)" }
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(whole).\(fraction)"
    }
}
