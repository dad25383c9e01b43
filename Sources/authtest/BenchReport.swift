import Foundation

/// The result of `authtest bench`, as printed for people and (with --json) for scripts.
struct BenchReport: Codable, Sendable {
    struct Latency: Codable, Sendable {
        var p50: Double
        var p90: Double
        var p99: Double
        var p999: Double
        var max: Double
        var mean: Double
    }

    var socket: String
    var concurrency: Int
    var fields: Int
    var wrong_share: Double
    var duration_s: Double
    var requests: Int
    var ok: Int
    var no: Int
    var errors: Int
    var unexpected: Int
    var checks_per_s: Double
    var latency_ms: Latency
    /// CPU time of this load client over the measured window, in percent of one core. On a
    /// machine whose cores it shares with the server, every percent it uses is taken from the
    /// server, so it is reported beside every result.
    var client_cpu_percent: Double
    /// One thread per simulated client.
    var client_threads: Int
    var first_error: String?

    init(socket: String, concurrency: Int, fields: Int, wrongShare: Double, seconds: Double, tally: BenchTally, cpuSeconds: Double) {
        func ms(_ micros: UInt64) -> Double { (Double(micros) / 1000 * 1000).rounded() / 1000 }
        self.socket = socket
        self.concurrency = concurrency
        self.fields = fields
        self.wrong_share = wrongShare
        self.duration_s = (seconds * 1000).rounded() / 1000
        self.requests = tally.requests
        self.ok = tally.ok
        self.no = tally.no
        self.errors = tally.errors
        self.unexpected = tally.unexpected
        self.checks_per_s = seconds > 0 ? (Double(tally.requests - tally.errors) / seconds).rounded() : 0
        let histogram = tally.latency
        let empty = histogram.totalCount == 0
        self.latency_ms = Latency(
            p50: empty ? 0 : ms(histogram.valueAtPercentile(50)),
            p90: empty ? 0 : ms(histogram.valueAtPercentile(90)),
            p99: empty ? 0 : ms(histogram.valueAtPercentile(99)),
            p999: empty ? 0 : ms(histogram.valueAtPercentile(99.9)),
            max: empty ? 0 : ms(histogram.max),
            mean: empty ? 0 : (histogram.mean / 1000 * 1000).rounded() / 1000
        )
        self.client_cpu_percent = seconds > 0 ? (cpuSeconds / seconds * 1000).rounded() / 10 : 0
        self.client_threads = concurrency
        self.first_error = tally.firstError
    }

    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "{}"
    }

    func text() -> String {
        var lines = [
            "socket \(socket), \(concurrency) concurrent, \(fields)-field requests, \(Int(wrong_share * 100))% wrong passwords",
            "\(requests) requests in \(duration_s) s: \(Int(checks_per_s)) checks/s",
            "answers: \(ok) OK, \(no) NO, \(errors) errors, \(unexpected) unexpected",
            "latency ms: p50 \(latency_ms.p50)  p90 \(latency_ms.p90)  p99 \(latency_ms.p99)  p99.9 \(latency_ms.p999)  max \(latency_ms.max)",
            "load client CPU: \(client_cpu_percent)% of one core (\(client_threads) client thread\(client_threads == 1 ? "" : "s"))",
        ]
        if let first_error { lines.append("first error: \(first_error)") }
        return lines.joined(separator: "\n")
    }
}
