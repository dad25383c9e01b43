import AuthCore
import Synchronization

/// Connections of one listener open now, for `authmux_open_connections`: one relaxed atomic add
/// when an accept thread accepts, one subtraction when the connection ends. The connection cap
/// (`ConnectionBudget`) counts over all listeners and includes the slots accept threads hold
/// while they wait, so it cannot say this.
final class ListenerConnections: Sendable {
    let listener: ListenerConfig
    private let open = Atomic<Int>(0)

    init(listener: ListenerConfig) {
        self.listener = listener
    }

    func opened() {
        open.add(1, ordering: .relaxed)
    }

    func closed() {
        open.subtract(1, ordering: .relaxed)
    }

    var count: Int { open.load(ordering: .relaxed) }
}
