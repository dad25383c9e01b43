import Logging

/// What every connection handler shares.
struct ServerContext: Sendable {
    let active: ActiveEngine
    let logger: Logger
    /// Log the realm rules' steps for each check (`--debug`).
    let traceNormalization: Bool
}
