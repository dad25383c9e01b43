/// The short human summary `authmuxd status` prints from two scrapes taken `seconds` apart.
struct StatusSummary {
    let before: [MetricSample]
    let after: [MetricSample]
    let seconds: Double

    static let results = ["ok", "rejected", "unknown_user", "unavailable", "refused_input"]

    var lines: [String] {
        var out: [String] = []
        let version = after.first { $0.name == "authmux_build_info" }?.labels["version"] ?? "?"
        out.append("authmuxd \(version), measured over \(Self.format(seconds)) s")

        let rates = Self.results.map { result -> String in
            let rate = (sum("authmux_checks_total", in: after, result: result) - sum("authmux_checks_total", in: before, result: result)) / seconds
            return "\(result) \(Self.format(rate))"
        }
        out.append("checks/s: " + rates.joined(separator: ", "))
        let totals = Self.results.map { "\($0) \(Int(sum("authmux_checks_total", in: after, result: $0)))" }
        out.append("checks since start: " + totals.joined(separator: ", "))

        let hits = sum("authmux_cache_hits_total", in: after)
        let misses = sum("authmux_cache_misses_total", in: after)
        if after.contains(where: { $0.name == "authmux_cache_entries" || $0.name == "authmux_cache_hits_total" }) {
            let recentHits = hits - sum("authmux_cache_hits_total", in: before)
            let recentMisses = misses - sum("authmux_cache_misses_total", in: before)
            let recent = recentHits + recentMisses > 0 ? Self.percent(recentHits, of: recentHits + recentMisses) : "no lookups"
            let overall = hits + misses > 0 ? Self.percent(hits, of: hits + misses) : "no lookups"
            out.append("cache: hit rate \(recent) now, \(overall) since start; \(Int(sum("authmux_cache_entries", in: after))) entries")
        } else {
            out.append("cache: off")
        }

        let backends = Set(after.filter { $0.name == "authmux_backend_in_flight" }.compactMap { $0.labels["backend"] }).sorted()
        var parts: [String] = []
        for backend in backends {
            let held = Int(value("authmux_backend_queue_depth", backend: backend))
            let running = Int(value("authmux_backend_in_flight", backend: backend))
            let servers = after.filter { $0.name == "authmux_ldap_server_up" && $0.labels["backend"] == backend }
            var text = "\(backend) (\(held) held, \(running) running"
            if !servers.isEmpty {
                let up = servers.filter { $0.value == 1 }.count
                let down = servers.filter { $0.value != 1 }.compactMap { $0.labels["server"] }
                text += ", \(up)/\(servers.count) servers up"
                if !down.isEmpty { text += "; down: \(down.joined(separator: " "))" }
            }
            parts.append(text + ")")
        }
        let allUp = parts.isEmpty || !after.contains { $0.name == "authmux_ldap_server_up" && $0.value != 1 }
        out.append("backends\(allUp ? " (all up)" : " (some servers down)"): " + (parts.isEmpty ? "none reported" : parts.joined(separator: ", ")))

        let listeners = after.filter { $0.name == "authmux_open_connections" }
            .map { "\($0.labels["door"] ?? "?") \($0.labels["listener"] ?? "?"): \(Int($0.value))" }
            .sorted()
        if !listeners.isEmpty { out.append("open connections: " + listeners.joined(separator: ", ")) }
        let reloadsOK = Int(after.first { $0.name == "authmux_reloads_total" && $0.labels["result"] == "ok" }?.value ?? 0)
        let reloadsFailed = Int(after.first { $0.name == "authmux_reloads_total" && $0.labels["result"] == "failed" }?.value ?? 0)
        out.append("reloads: \(reloadsOK) ok, \(reloadsFailed) failed")
        return out
    }

    private func sum(_ name: String, in samples: [MetricSample], result: String? = nil) -> Double {
        samples.filter { $0.name == name && (result == nil || $0.labels["result"] == result) }.reduce(0) { $0 + $1.value }
    }

    private func value(_ name: String, backend: String) -> Double {
        after.first { $0.name == name && $0.labels["backend"] == backend }?.value ?? 0
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int(value)) }
        return String((value * 10).rounded() / 10)
    }

    static func percent(_ part: Double, of whole: Double) -> String {
        format(part / whole * 100) + "%"
    }
}
