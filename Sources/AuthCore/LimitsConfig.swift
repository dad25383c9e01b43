public import NIOCore

/// The `limits:` section.
public struct LimitsConfig: Sendable, Equatable {
    /// How long a connection may take to deliver its request before it is answered
    /// `NO incomplete request` (or, if it sent nothing, closed). Keeps idle clients from
    /// holding anything but their own socket.
    public var readTimeout: TimeAmount
    /// How long to wait for a fifth field (client address) after the realm, when a backend on
    /// the route uses the address. Routes whose backends do not use it never wait. Zero by
    /// default: clients that send the address write it with the rest of the request in one
    /// call, and libsasl2 2.1.28 never sends it, so any wait would only delay every PAM check.
    public var clientAddressGrace: TimeAmount

    /// Event-loop threads: they serve the connections handed to SwiftNIO (a request still on
    /// its way, a door that keeps its connection) and the timers that hold failed answers.
    /// Nothing is accepted on them, so one is enough for most hosts. Read at start only.
    public var eventLoops: Int
    /// Threads that accept each listener's connections and answer, on the spot, the requests
    /// that need no blocking call (cache hits, sasldb); requests still on their way go to the
    /// event loops. Read at start only.
    public var acceptThreads: Int
    /// Threads per Dovecot listener, beyond its accept threads, that may each stay with one
    /// busy kept connection (from its second request) and read it with blocking reads; a
    /// connection quiet for 100 ms, or one that finds them all taken, is served by the event
    /// loops. 0 serves every kept connection on the event loops. Read at start only.
    public var connectionThreads: Int
    /// Checks one backend may hold at once, waiting for one of its threads or running; past
    /// it, a check is answered "temporarily unavailable" at once (see `BackendQueue`).
    public var maxQueue: Int
    /// Open connections over all listeners; at the cap, accepting pauses (new clients wait in
    /// the socket's backlog) until a connection ends. Read at start only.
    public var maxConnections: Int

    public static let defaultMaxQueue = 1024
    public static let defaultMaxConnections = 4096
    public static let defaultAcceptThreads = 2
    public static let defaultConnectionThreads = 32

    public init(
        readTimeout: TimeAmount = .seconds(5), clientAddressGrace: TimeAmount = .zero, eventLoops: Int = 1,
        acceptThreads: Int = LimitsConfig.defaultAcceptThreads, maxQueue: Int = LimitsConfig.defaultMaxQueue, maxConnections: Int = LimitsConfig.defaultMaxConnections,
        connectionThreads: Int = LimitsConfig.defaultConnectionThreads
    ) {
        self.readTimeout = readTimeout
        self.clientAddressGrace = clientAddressGrace
        self.eventLoops = eventLoops
        self.acceptThreads = acceptThreads
        self.connectionThreads = connectionThreads
        self.maxQueue = maxQueue
        self.maxConnections = maxConnections
    }
}
