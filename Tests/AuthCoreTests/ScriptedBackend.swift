import AuthCore
import NIOConcurrencyHelpers
import NIOCore

/// A backend whose store the test edits: one password per user, a verdict override, a store
/// generation it can move, and a count of the checks that reached it (the proof that an answer
/// came from the cache).
final class ScriptedBackend: AuthBackend {
    struct Store: Sendable {
        var passwords: [String: String] = [:]
        /// When set, every check gets this verdict.
        var forced: BackendVerdict?
        var generation: UInt64? = 0
        var calls = 0
        /// Whether `answerNow` answers (as a sasldb snapshot does) or defers to `check`.
        var answersNow = false
    }

    let name: String
    let settings: any BackendSettings = StubSettings()
    let store = NIOLockedValueBox(Store())

    init(name: String, passwords: [String: String] = [:], forced: BackendVerdict? = nil) {
        self.name = name
        store.withLockedValue {
            $0.passwords = passwords
            $0.forced = forced
        }
    }

    var calls: Int { store.withLockedValue { $0.calls } }

    func check(_ request: BackendRequest, eventLoop: any EventLoop) -> EventLoopFuture<BackendVerdict> {
        eventLoop.makeSucceededFuture(verdict(for: request))
    }

    func answerNow(_ request: BackendRequest) -> BackendAnswer? {
        guard store.withLockedValue({ $0.answersNow }) else { return nil }
        return BackendAnswer(verdict: verdict(for: request))
    }

    private func verdict(for request: BackendRequest) -> BackendVerdict {
        store.withLockedValue { store -> BackendVerdict in
            store.calls += 1
            if let forced = store.forced { return forced }
            guard let stored = store.passwords[request.identity.user] else { return .unknownUser }
            return request.password.constantTimeEquals(Secret(stored)) ? .accepted : .rejected(reason: "wrong password")
        }
    }

    func storeGeneration() -> UInt64? { store.withLockedValue { $0.generation } }

    func problems() async -> [String] { [] }
    func shutdown() async {}
}
