import AuthCore
import Logging
import NIOCore

/// A backend kind for unit tests of the loader and the chain rules: it answers a fixed verdict
/// per user. The real sasldb backend is tested in BackendsTests and IntegrationTests.
struct StubBackendKind: BackendKind {
    var type: String { "stub" }

    func decodeSettings(_ node: ConfigNode) throws(ConfigError) -> any BackendSettings {
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

    func makeBackend(name: String, settings: any BackendSettings, logger: Logger) throws -> any AuthBackend {
        StubBackend(name: name, settings: settings as! StubSettings)
    }
}

struct StubSettings: BackendSettings {
    var verdict = "accept"
    var identity = IdentityStyle.bare
    /// The failure delay this stub reports on anything but an acceptance, as a PAM module would.
    var asksDelay = TimeAmount.zero
    var type: String { "stub" }
    var summary: String { "stub answering \(verdict)" }
    var usesClientAddress: Bool { false }
    func describeLookup(identity: CanonicalIdentity, service: String) -> String { self.identity.render(identity) }
}

final class StubBackend: AuthBackend {
    let name: String
    let stub: StubSettings
    var settings: any BackendSettings { stub }

    init(name: String, settings: StubSettings) {
        self.name = name
        self.stub = settings
    }

    func check(_ request: BackendRequest, eventLoop: any EventLoop) -> EventLoopFuture<BackendVerdict> {
        let verdict: BackendVerdict
        switch stub.verdict {
        case "accept": verdict = request.password.constantTimeEquals(Secret("right")) ? .accepted : .rejected(reason: "wrong password")
        case "unknown": verdict = .unknownUser
        case "unavailable": verdict = .unavailable(reason: "down")
        default: verdict = .rejected(reason: "locked")
        }
        return eventLoop.makeSucceededFuture(verdict)
    }

    func evaluate(_ request: BackendRequest, eventLoop: any EventLoop) -> EventLoopFuture<BackendAnswer> {
        check(request, eventLoop: eventLoop).map { verdict in
            BackendAnswer(verdict: verdict, requestedDelay: verdict == .accepted ? .zero : self.stub.asksDelay)
        }
    }

    func problems() async -> [String] { [] }
    func shutdown() async {}
}
