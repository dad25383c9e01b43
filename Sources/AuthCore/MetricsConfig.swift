/// The `metrics:` section: where the Prometheus endpoint listens, if anywhere.
///
/// Off unless the section is there. The endpoint answers without authentication, so it is
/// limited to what only this host can reach: a loopback TCP address, or a Unix socket whose
/// mode, group and `allow` list say who may read it (as the listeners' do).
public struct MetricsConfig: Sendable, Equatable {
    public enum Endpoint: Sendable, Equatable {
        /// A loopback address (`127.0.0.0/8` or `::1`) and a port.
        case tcp(host: String, port: Int)
        /// An absolute socket path, at most 107 bytes.
        case unix(path: String)
    }

    public var endpoint: Endpoint
    /// Socket file mode, for a Unix socket.
    public var mode: UInt32 = 0o660
    /// Owner group of the socket, for a Unix socket.
    public var group: String?
    public var groupError: ConfigError?
    /// Who may connect, for a Unix socket (SO_PEERCRED); nil admits anyone who can reach it.
    public var allow: PeerAllowList?

    public init(endpoint: Endpoint) {
        self.endpoint = endpoint
    }

    /// The address as written in the configuration: `127.0.0.1:9555`, `[::1]:9555` or a path.
    public var endpointText: String {
        switch endpoint {
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): return path
        }
    }

    /// The Unix socket as a listener's settings, so it is prepared (directory, staging, mode,
    /// group, stale socket) exactly as the front doors' sockets are.
    public var socketListener: ListenerConfig? {
        guard case .unix(let path) = endpoint else { return nil }
        var listener = ListenerConfig(path: path, mode: mode, group: group, groupError: groupError)
        listener.allow = allow
        return listener
    }
}
