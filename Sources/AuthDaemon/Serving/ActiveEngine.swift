import AuthCore
import NIOConcurrencyHelpers

/// The engine and limits new connections use. A reload swaps both at once; a connection keeps
/// the pair it started with, so a check never mixes two configurations.
final class ActiveEngine: Sendable {
    struct Current: Sendable {
        let engine: AuthEngine
        let limits: LimitsConfig
        /// The per-check metrics for this engine's routes; nil when no `metrics:` endpoint is
        /// configured, so a check then costs nothing for them.
        var meter: CheckMeter? = nil
    }

    private let box: NIOLockedValueBox<Current>

    init(engine: AuthEngine, limits: LimitsConfig, meter: CheckMeter? = nil) {
        box = NIOLockedValueBox(Current(engine: engine, limits: limits, meter: meter))
    }

    var current: Current { box.withLockedValue { $0 } }

    /// Installs a new pair and returns the one it replaces.
    func replace(engine: AuthEngine, limits: LimitsConfig, meter: CheckMeter? = nil) -> Current {
        box.withLockedValue { current in
            let previous = current
            current = Current(engine: engine, limits: limits, meter: meter)
            return previous
        }
    }
}
