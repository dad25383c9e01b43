import NIOCore
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// Sends `WATCHDOG=1` at half the interval systemd asked for (`WatchdogSec=` in the unit, seen as
/// `$WATCHDOG_USEC`), each time after a round trip through an event loop, so a daemon whose
/// event loops or task executor hang stops pinging and systemd restarts it.
struct WatchdogService: Service {
    let notifier: SystemdNotifier
    let interval: Duration
    let loop: any EventLoop

    /// The interval when the watchdog is on for this process: `$WATCHDOG_USEC` is set and
    /// `$WATCHDOG_PID`, if set, is ours. Both are removed from the environment, as
    /// `sd_watchdog_enabled` with `unset_environment` does.
    static func intervalFromEnvironment(pid: Int32) -> Duration? {
        let usec = getenv("WATCHDOG_USEC").flatMap { UInt64(String(cString: $0)) }
        let owner = getenv("WATCHDOG_PID").flatMap { Int32(String(cString: $0)) }
        unsetenv("WATCHDOG_USEC")
        unsetenv("WATCHDOG_PID")
        guard let usec, usec > 0, owner.map({ $0 == pid }) ?? true else { return nil }
        return .microseconds(Int64(clamping: usec))
    }

    func run() async throws {
        let pause = interval / 2
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await loop.submit {}.get()
            notifier.notify(["WATCHDOG=1"])
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
        }
    }
}
