@testable import AuthDaemon
import AuthCore
import Testing

/// How a check's outcome is labelled, and the lock-free histogram's exposition.
@Suite("Check metrics")
struct CheckMetricsTests {
    private static func label(_ outcome: CheckOutcome) -> String {
        let (result, backend) = CheckResultLabel.of(outcome)
        return "\(result.text) \(backend ?? "-")"
    }

    @Test func resultsAndBackendLabelsFollowTheChain() {
        let accepted = CheckOutcome(result: .ok, backend: "b", route: 1, trail: [TrailEntry(backend: "a", verdict: .unknownUser), TrailEntry(backend: "b", verdict: .accepted)])
        #expect(Self.label(accepted) == "ok b")
        let rejected = CheckOutcome(result: .failed, backend: "a", route: 1, trail: [TrailEntry(backend: "a", verdict: .rejected(reason: "wrong"))])
        #expect(Self.label(rejected) == "rejected a")
        let unknown = CheckOutcome(result: .failed, backend: nil, route: 1, trail: [
            TrailEntry(backend: "a", verdict: .unknownUser), TrailEntry(backend: "b", verdict: .unavailable(reason: "down")),
        ])
        #expect(Self.label(unknown) == "unknown_user b")
        let down = CheckOutcome(result: .unavailable, backend: nil, route: 1, trail: [TrailEntry(backend: "a", verdict: .unavailable(reason: "down"))])
        #expect(Self.label(down) == "unavailable a")
        let noRoute = CheckOutcome(result: .failed, backend: nil, route: nil, trail: [], note: "no route matches")
        #expect(Self.label(noRoute) == "rejected -")
    }

    @Test func theHistogramCountsEachValueInTheFirstBucketThatHoldsIt() {
        let histogram = AtomicHistogram(name: "x_seconds", labels: [("backend", "a\"b")], bounds: [.milliseconds(1), .seconds(1)])
        histogram.recordNanoseconds(1_000_000)  // exactly on the first bound: le="0.001"
        histogram.recordNanoseconds(1_000_001)
        histogram.recordNanoseconds(5_000_000_000)
        var buffer: [UInt8] = []
        histogram.emit(into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == """
            x_seconds_bucket{backend="a\\"b",le="0.001"} 1
            x_seconds_bucket{backend="a\\"b",le="1"} 2
            x_seconds_bucket{backend="a\\"b",le="+Inf"} 3
            x_seconds_sum{backend="a\\"b"} 5.002000001
            x_seconds_count{backend="a\\"b"} 3

            """)
    }

    @Test func secondsAreWrittenInPlainDecimal() {
        #expect(AtomicHistogram.seconds(250_000) == "0.00025")
        #expect(AtomicHistogram.seconds(2_500_000_000) == "2.5")
        #expect(AtomicHistogram.seconds(10_000_000_000) == "10")
        #expect(AtomicHistogram.seconds(0) == "0")
    }
}
