import AuthCore
import AuthWire
import Logging
import NIOCore

/// A backend kind for unit tests of the loader and the chain rules: it answers a fixed verdict
/// per user. The real sasldb backend is tested in BackendsTests and IntegrationTests.
struct StubBackendKind: BackendKind {
    var type: String { "stub" }

    func decode(_ node: ConfigNode) throws(ConfigError) -> StubSettings {
        var settings = StubSettings()
        for (key, value) in try node.mapping(allowed: ["type", "verdict", "identity", "asks_delay"]) {
            switch key {
            case "verdict": settings.verdict = try value.nonEmptyString()
            case "asks_delay": settings.asksDelay = try value.duration()
            case "identity":
                guard let style = IdentityStyle(rawValue: try value.string()) else { throw value.error("bad identity") }
                settings.identity = style
            default: break
            }
        }
        return settings
    }

    func makeBackend(name: String, settings: StubSettings, logger: Logger) throws -> StubBackend {
        StubBackend(name: name, settings: settings)
    }
}

/// The stub's question is the user as `identity` spells it, so the cache and throttle keys of
/// a stub route behave as a real store's would.
struct StubSettings: BackendSettings {
    var verdict = "accept"
    var identity = IdentityStyle.bare
    /// The failure delay this stub reports on anything but an acceptance, as a PAM module would.
    var asksDelay = TimeAmount.zero
    var type: String { "stub" }
    var summary: String { "stub answering \(verdict)" }
    var usesClientAddress: Bool { false }

    func lookup(for subject: CheckSubject) -> BackendLookup<ByteString> {
        let user = identity.render(subject.identity)
        return BackendLookup(lookup: user, asked: user, shown: user.bytes)
    }
}

final class StubBackend: AuthBackend {
    let name: String
    let settings: StubSettings

    init(name: String, settings: StubSettings) {
        self.name = name
        self.settings = settings
    }

    func evaluate(_ lookup: ByteString, password: Secret, then: @escaping @Sendable (BackendAnswer) -> Void) {
        let verdict: BackendVerdict
        switch settings.verdict {
        case "accept": verdict = password.constantTimeEquals(Secret("right")) ? .accepted : .rejected(reason: "wrong password")
        case "unknown": verdict = .unknownUser
        case "unavailable": verdict = .unavailable(reason: "down")
        default: verdict = .rejected(reason: "locked")
        }
        then(BackendAnswer(verdict: verdict, requestedDelay: verdict == .accepted ? .zero : settings.asksDelay))
    }

    func problems() async -> [String] { [] }
    func shutdown() async {}
}
