/// The configuration most tests run with: one saslauthd listener and one sasldb backend in the
/// sandbox, realms as in the design's normalization table (`default: example.com`, `vm` and
/// `mail.example.com` aliased to it) and a short read timeout so idle-client tests finish soon.
struct DaemonConfig: Sendable {
    var socketPath: String
    var sasldbPath: String
    var defaultRealm: String? = "example.com"
    var aliases: [(from: String, to: String)] = [("vm", "example.com"), ("mail.example.com", "example.com")]
    var splitLogin = "last"
    var lowercaseUser = false
    var readTimeout = "2s"
    var socketMode = "0660"
    /// `limits.event_loops`; nil leaves the default (one loop).
    var eventLoops: Int?
    /// `limits.accept_threads`; nil leaves the default (2 per listener).
    var acceptThreads: Int?
    /// `failure_delay.floor`: 0 s here, so the many tests that send a wrong password on the
    /// way to something else answer at once, as they did before the daemon's default became
    /// 2 s (their clients block a thread while they wait, and Swift's cooperative pool has only
    /// two). The default itself, and every failure waiting the same, have their own tests
    /// (FailureDelayTests, WrongOKDelayThrottleTests). nil leaves the daemon's default.
    var failureDelayFloor: String? = "0s"
    /// `failure_delay.cap`, written only with a floor; nil leaves the default (3 s).
    var failureDelayCap: String?
    /// `throttle.enabled`; nil leaves the default (on).
    var throttle: Bool?
    /// `cache.enabled`; nil leaves the default (on).
    var cache: Bool?
    /// More `listen:` entries after the saslauthd one (pwcheck, authdaemond front doors).
    var extraListeners: [ExtraListener] = []

    struct ExtraListener: Sendable {
        var protocolName: String
        var path: String
        var service: String?
        /// The socket's mode and group when not the daemon's defaults (a consumer running as
        /// another user).
        var mode: String?
        var group: String?
    }

    init(sandbox: Sandbox) {
        socketPath = sandbox.socketPath
        sasldbPath = sandbox.sasldbPath
    }

    var yaml: String {
        var lines = [
            "listen:",
            "  - protocol: saslauthd",
            "    path: \(socketPath)",
            "    mode: \"\(socketMode)\"",
        ]
        for extra in extraListeners {
            lines += ["  - protocol: \(extra.protocolName)", "    path: \(extra.path)"]
            if let service = extra.service { lines.append("    service: \(service)") }
            if let mode = extra.mode { lines.append("    mode: \"\(mode)\"") }
            if let group = extra.group { lines.append("    group: \(group)") }
        }
        lines.append("realms:")
        if let defaultRealm { lines.append("  default: \(defaultRealm)") }
        if !aliases.isEmpty {
            let pairs = aliases.map { "\($0.from): \($0.to)" }.joined(separator: ", ")
            lines.append("  aliases: { \(pairs) }")
        }
        lines += [
            "  split_login: \(splitLogin)",
            "  lowercase_user: \(lowercaseUser)",
            "limits:",
            "  read_timeout: \(readTimeout)",
        ]
        if let eventLoops { lines.append("  event_loops: \(eventLoops)") }
        if let acceptThreads { lines.append("  accept_threads: \(acceptThreads)") }
        if let failureDelayFloor {
            lines.append("failure_delay: { floor: \(failureDelayFloor)\(failureDelayCap.map { ", cap: \($0)" } ?? "") }")
        }
        if let throttle { lines.append("throttle: { enabled: \(throttle) }") }
        if let cache { lines.append("cache: { enabled: \(cache) }") }
        lines += [
            "backends:",
            "  mailusers: { type: sasldb, path: \(sasldbPath) }",
            "routes:",
            "  - use: [ mailusers ]",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes this configuration as the sandbox's `authmux.yaml`, returning its path.
    @discardableResult
    func write(into sandbox: Sandbox) throws -> String {
        try sandbox.write(yaml, to: "authmux.yaml")
    }
}
