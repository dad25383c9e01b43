import AuthCore
import AuthWire
import Logging
import NIOCore
import NIOEmbedded
import Testing

@Suite("Routing and chains")
struct AuthEngineTests {
    static func engine(_ yaml: String) throws -> AuthEngine {
        let config = try ConfigLoader.parse(yaml: yaml, file: "t.yaml", catalog: BackendCatalog([StubBackendKind()]))
        return try AuthEngine(config: config, logger: Logger(label: "test"))
    }

    static func check(_ engine: AuthEngine, login: String, realm: String = "", service: String = "imap", password: String = "right") throws -> CheckOutcome {
        let check = try engine.check(login: login, realm: realm, service: service, password: Secret(password))
        return try #require(EmbeddedRun.outcome(engine, check)).0
    }

    static let chains = """
        realms: { default: example.com }
        backends:
          ok: { type: stub }
          missing: { type: stub, verdict: unknown }
          down: { type: stub, verdict: unavailable }
          locked: { type: stub, verdict: locked }
        routes:
          - match: { realm: locked.org }
            use: [ locked, ok ]
          - match: { realm: down.org }
            use: [ down, missing ]
          - match: { realm: alldown.org }
            use: [ down ]
          - match: { realm: example.com, service: smtp }
            use: [ missing, down, ok ]
          - match: { service: [ imap, pop ] }
            use: [ missing, ok ]
        """

    @Test func firstMatchingRouteWins() throws {
        let engine = try Self.engine(Self.chains)
        #expect(try engine.prepare(login: "a", realm: "", service: "smtp").route?.number == 4)
        #expect(try engine.prepare(login: "a@locked.org", realm: "", service: "smtp").route?.number == 1)
        #expect(try engine.prepare(login: "a", realm: "other.org", service: "pop").route?.number == 5)
        #expect(try engine.prepare(login: "a", realm: "other.org", service: "smtp").route == nil)
    }

    @Test func unknownAndUnavailablePassToTheNextBackend() throws {
        let outcome = try Self.check(try Self.engine(Self.chains), login: "a", service: "smtp")
        #expect(outcome.result == .ok)
        #expect(outcome.backend == "ok")
        #expect(outcome.trail.count == 3)
    }

    @Test func rejectionStopsTheChain() throws {
        let outcome = try Self.check(try Self.engine(Self.chains), login: "a@locked.org")
        #expect(outcome.result == .failed)
        #expect(outcome.backend == "locked")
        #expect(outcome.trail.count == 1)
        #expect(outcome.wireAnswer == "NO authentication failed")
    }

    @Test func wrongPasswordAndUnknownUserLookAlikeOnTheWire() throws {
        let engine = try Self.engine(Self.chains)
        let wrong = try Self.check(engine, login: "a", service: "imap", password: "wrong")
        let unknown = try Self.check(engine, login: "a@down.org")
        #expect(wrong.wireAnswer == unknown.wireAnswer)
        #expect(wrong.wireAnswer == "NO authentication failed")
    }

    @Test func everyBackendUnavailableSaysSo() throws {
        let outcome = try Self.check(try Self.engine(Self.chains), login: "a@alldown.org")
        #expect(outcome.result == .unavailable)
        #expect(outcome.wireAnswer == "NO temporarily unavailable")
    }

    @Test func noRouteFails() throws {
        let outcome = try Self.check(try Self.engine(Self.chains), login: "a@other.org", service: "smtp")
        #expect(outcome.result == .failed)
        #expect(outcome.route == nil)
    }
}
