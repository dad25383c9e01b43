import Foundation

/// Blocking socket work for async tests. Swift's cooperative pool has one thread per core (two
/// here); a test that blocks one of them in `recv` for seconds holds up every other test running
/// in parallel, until their own waits (for a log line, for a daemon) overrun.
public enum OwnThread {
    /// Runs `body` on a new thread and returns its result.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }
}
