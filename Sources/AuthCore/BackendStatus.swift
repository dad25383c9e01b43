/// What a backend reports about itself for metrics, read when the metrics are scraped and never
/// on a check's path.
public struct BackendStatus: Sendable, Equatable {
    /// One server a backend talks to, and whether it is answering.
    public struct Server: Sendable, Equatable {
        /// As configured (an LDAP URI): configuration, never a user's data.
        public var uri: String
        public var up: Bool

        public init(uri: String, up: Bool) {
            self.uri = uri
            self.up = up
        }
    }

    /// Checks running on the backend's threads; nil for a backend without threads of its own.
    public var running: Int?
    /// Network servers and their state; empty for local stores.
    public var servers: [Server]

    public init(running: Int? = nil, servers: [Server] = []) {
        self.running = running
        self.servers = servers
    }
}
