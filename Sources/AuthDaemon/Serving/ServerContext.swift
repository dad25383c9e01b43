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
}
