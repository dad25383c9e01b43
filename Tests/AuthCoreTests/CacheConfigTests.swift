import AuthCore
import AuthWire
import Logging
import NIOCore
import Testing

@Suite("Cache configuration")
struct CacheConfigTests {
    static let catalog = BackendCatalog([StubBackendKind()])

    static func load(_ yaml: String) throws(ConfigError) -> AuthmuxConfig {
        try ConfigLoader.parse(yaml: yaml, file: "/etc/authmux/test.yaml", catalog: catalog)
    }

    static func failure(_ yaml: String) -> ConfigError? {
        do {
            _ = try load(yaml)
            return nil
        } catch {
            return error
        }
    }

    @Test func defaultsApplyWithoutASection() throws {
        let config = try Self.load("backends: { users: { type: stub } }\n")
        #expect(config.cache == CacheSettings(enabled: true, ttl: .minutes(10), negativeTTL: .seconds(30), maxEntries: 10_000))
        #expect(config.cache.summary == "ttl 10m, negative_ttl 30s, max_entries 10000")
        #expect(config.backends[0].cacheable)
        let engine = try AuthEngine(config: config, logger: Logger(label: "test"))
        #expect(engine.cache != nil)
    }

    @Test func theSectionIsReadStrictly() throws {
        let config = try Self.load("""
            cache: { ttl: 2m, negative_ttl: 0, max_entries: 500 }
            backends: { users: { type: stub } }
            """)
        #expect(config.cache.ttl == .minutes(2))
        #expect(config.cache.negativeTTL == .zero)
        #expect(config.cache.maxEntries == 500)

        let disabled = try Self.load("cache: { enabled: false }\nbackends: { users: { type: stub } }\n")
        #expect(try AuthEngine(config: disabled, logger: Logger(label: "test")).cache == nil)
        #expect(disabled.cache.summary.hasPrefix("disabled"))

        let unknown = try #require(Self.failure("cache: { tll: 5m }\nbackends: { users: { type: stub } }\n"))
        #expect(unknown.description.hasPrefix("/etc/authmux/test.yaml:1:10: cache.tll: unknown key"))
        let zero = try #require(Self.failure("cache:\n  max_entries: 0\nbackends: { users: { type: stub } }\n"))
        #expect(zero.description == "/etc/authmux/test.yaml:2:16: cache.max_entries: must be between 1 and 10000000")
    }

    @Test func aBackendOptsOutWithCacheFalse() throws {
        let config = try Self.load("""
            backends:
              users: { type: stub, cache: false }
              other: { type: stub, verdict: unknown, cache: true }
            routes:
              - use: [ users, other ]
            """)
        #expect(config.backends.map(\.cacheable) == [false, true])
        #expect((config.backends[1].settings as? StubSettings)?.verdict == "unknown", "the kind still decodes the rest")
        let engine = try AuthEngine(config: config, logger: Logger(label: "test"))
        #expect(engine.cache?.uncachedBackends == ["users"])

        let bad = try #require(Self.failure("backends:\n  users: { type: stub, cache: maybe }\n"))
        #expect(bad.description == "/etc/authmux/test.yaml:2:31: backends.users.cache: expected true or false")
        let stillStrict = try #require(Self.failure("backends:\n  users: { type: stub, cache: false, bogus: 1 }\n"))
        #expect(stillStrict.description.hasPrefix("/etc/authmux/test.yaml:2:38: backends.users.bogus: unknown key"))
    }
}
