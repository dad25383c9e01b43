import AuthWire

/// The `metrics:` section.
extension ConfigLoader {
    static let metricsKeys: Set<String> = ["listen", "mode", "group", "allow"]

    static func parseMetrics(_ node: ConfigNode, listeners: [ListenerConfig]) throws(ConfigError) -> MetricsConfig {
        var endpoint: MetricsConfig.Endpoint?
        var socketOnly: [ConfigNode] = []
        var mode: UInt32?
        var group: (name: String, error: ConfigError)?
        var allow: PeerAllowList?
        for (key, value) in try node.mapping(allowed: metricsKeys) {
            switch key {
            case "listen":
                endpoint = try metricsEndpoint(value, listeners: listeners)
            case "mode":
                mode = try parseMode(value)
                socketOnly.append(value)
            case "group":
                let name = try value.nonEmptyString()
                group = (name, value.error("group \"\(name)\" does not exist"))
                socketOnly.append(value)
            case "allow":
                allow = try parseAllow(value)
                socketOnly.append(value)
            default:
                break
            }
        }
        guard let endpoint else {
            throw node.error("missing listen: a loopback address such as 127.0.0.1:9555, or a Unix socket path")
        }
        if case .tcp = endpoint, let first = socketOnly.first {
            throw first.error("only for a Unix socket: a TCP peer has no user or group the kernel can vouch for")
        }
        var config = MetricsConfig(endpoint: endpoint)
        if let mode { config.mode = mode }
        config.group = group?.name
        config.groupError = group?.error
        config.allow = allow
        return config
    }

    /// `127.0.0.1:9555`, `[::1]:9555`, `localhost:9555` or an absolute socket path. Anything
    /// but a loopback address is refused: the endpoint has no authentication of its own, and
    /// what it tells (who is failing, which directory is down) is for this host only.
    static func metricsEndpoint(_ node: ConfigNode, listeners: [ListenerConfig]) throws(ConfigError) -> MetricsConfig.Endpoint {
        let text = try node.nonEmptyString()
        if text.hasPrefix("/") {
            guard text.utf8.count < 108 else { throw node.error("too long for a Unix socket path (at most 107 bytes)") }
            guard !listeners.contains(where: { $0.path == text }) else { throw node.error("\(text) is already a listener's socket") }
            return .unix(path: text)
        }
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw node.error("expected [address]:port, such as [::1]:9555")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw node.error("expected address:port (such as 127.0.0.1:9555) or an absolute socket path")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard let port = Int(portText), (1...65535).contains(port) else { throw node.error("the port must be between 1 and 65535") }
        let loopback: String
        switch host {
        case "localhost": loopback = "127.0.0.1"
        case "::1": loopback = "::1"
        default:
            guard isIPv4Loopback(host) else {
                throw node.error("\(host) is not a loopback address: the metrics endpoint has no authentication, so it listens on 127.0.0.0/8, ::1 or a Unix socket only")
            }
            loopback = String(host)
        }
        return .tcp(host: loopback, port: port)
    }

    /// A dotted quad in 127.0.0.0/8, written plainly (four decimal numbers up to 255).
    static func isIPv4Loopback(_ host: Substring) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(part), value <= 255 else { return false }
        }
        return parts[0] == "127"
    }
}
