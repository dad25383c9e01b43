import Logging
import NIOCore

/// What every connection of every listener shares.
struct ServerContext: Sendable {
    let active: ActiveEngine
    let logger: Logger
    /// Log the realm rules' steps for each check (`--debug`).
    let traceNormalization: Bool
    /// The event loops: connections handed to SwiftNIO, and the timers that hold answers.
    let group: any EventLoopGroup
    /// `limits.max_connections`, over all listeners.
    let budget: ConnectionBudget
    /// Every connection not yet closed, for a graceful shutdown.
    let tracker: ConnectionTracker
    let counters: ServingCounters
    /// How long an accept thread waits, in milliseconds (poll(2)'s unit), for a client that
    /// connected but has not written yet before handing the connection to SwiftNIO. libsasl2
    /// writes right after connecting, so this covers only the client being scheduled; a silent
    /// client costs an accept thread at most this, once (on a Dovecot connection, at most this
    /// per read, for up to four reads, unless it holds the connection: see
    /// `DoorSession.serveOnAcceptThread`). Tests that must know which path a request takes
    /// lengthen it, so a test machine's scheduling cannot change the path.
    var acceptPatience: Int32 = 1
    /// How long a thread holding a busy kept connection (`HeldConnections`) waits for the
    /// client's next bytes before it lets the connection go to SwiftNIO and waits for a turn
    /// at accepting: far longer than a round trip, far shorter than the pause between two SMTP
    /// sessions on one smtpd, so only a client that is asking right now keeps its thread.
    /// Never longer than the read timeout, which moves on with every byte received (see
    /// `DoorSession.serveOnAcceptThread`).
    var holdPatience: TimeAmount = .milliseconds(100)

    /// The daemon's own handler's sink when the logger has that handler with no metadata to
    /// merge: the check line, built as bytes already, then goes to it as bytes (see
    /// `logCheck`). nil under any other handler (the tests' no-op one), which gets the line
    /// through swift-log. The sink rather than the handler: reading the handler out of the
    /// context copied it, its metadata and label included, twice per check.
    let checkLineSink: LogSink?

    init(
        active: ActiveEngine, logger: Logger, traceNormalization: Bool, group: any EventLoopGroup, budget: ConnectionBudget,
        tracker: ConnectionTracker, counters: ServingCounters, acceptPatience: Int32 = 1, holdPatience: TimeAmount = .milliseconds(100)
    ) {
        self.active = active
        self.logger = logger
        self.traceNormalization = traceNormalization
        self.group = group
        self.budget = budget
        self.tracker = tracker
        self.counters = counters
        self.acceptPatience = acceptPatience
        self.holdPatience = holdPatience
        let handler = logger.handler as? CompactLogHandler
        self.checkLineSink = handler.flatMap { $0.metadata.isEmpty && $0.metadataProvider == nil ? $0.sink : nil }
    }
}
