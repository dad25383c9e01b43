import AuthCore
import AuthWire
import NIOConcurrencyHelpers
import NIOCore

/// A backend whose store the test edits: one password per user, a verdict override, a store
/// generation it can move, and a count of the checks that reached it (the proof that an answer
/// came from the cache).
final class ScriptedBackend: AuthBackend {
    struct Store: Sendable {
        /// Users by their bytes, as a real store keys them.
        var passwords: [ByteString: String] = [:]
        /// When set, every check gets this verdict.
        var forced: BackendVerdict?
        var generation: UInt64? = 0
        var calls = 0
        /// Whether `answerNow` answers (as a sasldb snapshot does) or defers to `evaluate`.
        var answersNow = false
        /// Called before each evaluation, for tests that change the store mid-check.
        var beforeEvaluate: (@Sendable () -> Void)?
    }

    let name: String
    let settings: StubSettings
    let store = NIOLockedValueBox(Store())

    init(name: String, passwords: [String: String] = [:], forced: BackendVerdict? = nil, identity: IdentityStyle = .bare) {
        self.name = name
        var settings = StubSettings()
        settings.identity = identity
        self.settings = settings
        store.withLockedValue {
            $0.passwords = Dictionary(uniqueKeysWithValues: passwords.map { (ByteString($0.key), $0.value) })
            $0.forced = forced
        }
    }

    var calls: Int { store.withLockedValue { $0.calls } }

    func evaluate(_ lookup: ByteString, password: Secret, then: @escaping @Sendable (BackendAnswer) -> Void) {
        store.withLockedValue { $0.beforeEvaluate }?()
        then(BackendAnswer(verdict: verdict(for: lookup, password: password)))
    }

    func answerNow(_ lookup: ByteString, password: Secret) -> BackendAnswer? {
        guard store.withLockedValue({ $0.answersNow }) else { return nil }
        return BackendAnswer(verdict: verdict(for: lookup, password: password))
    }

    private func verdict(for user: ByteString, password: Secret) -> BackendVerdict {
        store.withLockedValue { store -> BackendVerdict in
            store.calls += 1
            if let forced = store.forced { return forced }
            guard let stored = store.passwords[user] else { return .unknownUser }
            return password.constantTimeEquals(Secret(stored)) ? .accepted : .rejected(reason: "wrong password")
        }
    }

    func storeGeneration() -> UInt64? { store.withLockedValue { $0.generation } }

    func problems() async -> [String] { [] }
    func shutdown() async {}
}
