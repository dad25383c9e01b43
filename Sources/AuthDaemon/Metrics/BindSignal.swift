import NIOConcurrencyHelpers

/// The one outcome of binding a server that reports it from a callback or from its task's end,
/// whichever comes first, awaited once by whoever started it.
final class BindSignal: Sendable {
    private struct State {
        var result: Result<Void, any Error>?
        var waiter: CheckedContinuation<Void, any Error>?
    }

    private let state = NIOLockedValueBox(State())

    /// Records the outcome; later ones are ignored.
    func complete(_ result: Result<Void, any Error>) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, any Error>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: result)
    }

    func wait() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let ready = state.withLockedValue { state -> Result<Void, any Error>? in
                if let result = state.result { return result }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}
