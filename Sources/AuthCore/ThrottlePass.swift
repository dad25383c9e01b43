import Synchronization

/// The slots one check holds on its throttle keys. Released exactly once: at once for a
/// success or an unavailable store, when its answer is sent for a failure.
public final class ThrottlePass: Sendable {
    private let throttle: FailureThrottle?
    private let keys: [FailureThrottle.Key]
    private let released = Atomic<Bool>(false)

    init(throttle: FailureThrottle?, keys: [FailureThrottle.Key]) {
        self.throttle = throttle
        self.keys = keys
    }

    public func release() {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        throttle?.release(keys)
    }

    deinit {
        // A pass dropped without release (a programming error) must not keep its keys busy
        // for ever.
        if !released.load(ordering: .acquiring) { throttle?.release(keys) }
    }
}
