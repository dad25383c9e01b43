import Synchronization

/// How many of a backend's checks are running on its threads right now: counted where the
/// work starts and ends on the thread, so metrics can tell a check being worked on from one
/// still waiting for a thread. One atomic add each way, on a path that is about to make a
/// blocking store call anyway.
public final class BackendActivity: Sendable {
    private let running = Atomic<Int>(0)

    public init() {}

    public func started(_ checks: Int = 1) {
        running.add(checks, ordering: .relaxed)
    }

    public func finished(_ checks: Int = 1) {
        running.subtract(checks, ordering: .relaxed)
    }

    public var count: Int { running.load(ordering: .relaxed) }
}
