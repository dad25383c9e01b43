import AuthCore
import NIOConcurrencyHelpers

/// The engine and limits new connections use. A reload swaps both at once; a connection keeps
/// the pair it started with, so a check never mixes two configurations.
final class ActiveEngine: Sendable {
    struct Current: Sendable {
        let engine: AuthEngine
        let limits: LimitsConfig
    }

    private let box: NIOLockedValueBox<Current>

    init(engine: AuthEngine, limits: LimitsConfig) {
        box = NIOLockedValueBox(Current(engine: engine, limits: limits))
    }

    var current: Current { box.withLockedValue { $0 } }

    /// Installs a new pair and returns the one it replaces.
    func replace(engine: AuthEngine, limits: LimitsConfig) -> Current {
        box.withLockedValue { current in
            let previous = current
            current = Current(engine: engine, limits: limits)
            return previous
        }
    }
}
