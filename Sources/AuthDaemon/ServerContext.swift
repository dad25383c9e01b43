import AuthCore
import Logging

/// What every connection handler shares: the engine that answers checks and the limits.
struct ServerContext: Sendable {
    let engine: AuthEngine
    let limits: LimitsConfig
    let logger: Logger
    /// Log the realm rules' steps for each check (`--debug`).
    let traceNormalization: Bool
}
