import Histogram

/// What one worker (or, merged, the whole run) saw.
struct BenchTally: Sendable {
    /// Latencies in microseconds, up to one minute.
    var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    var ok = 0
    var no = 0
    var errors = 0
    /// Answers that contradict the password sent (OK for a wrong one, NO for a right one).
    var unexpected = 0
    var firstError: String?

    var requests: Int { ok + no + errors }

    mutating func merge(_ other: BenchTally) {
        latency.add(other.latency)
        ok += other.ok
        no += other.no
        errors += other.errors
        unexpected += other.unexpected
        firstError = firstError ?? other.firstError
    }
}
