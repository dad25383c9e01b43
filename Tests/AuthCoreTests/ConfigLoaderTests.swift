import AuthCore
import AuthWire
import NIOCore
import Testing

@Suite("Configuration loader")
struct ConfigLoaderTests {
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

    @Test func fullExampleLoads() throws {
        let config = try Self.load("""
            listen:
              - protocol: saslauthd
                path: /run/saslauthd/mux
                mode: "0660"
                group: sasl
            realms:
              default: Example.COM
              aliases: { mail.example.com: example.com, MyHost.: example.com }
              split_login: first
              lowercase_user: true
            limits:
              read_timeout: 1500ms
              client_address_grace: 0
              event_loops: 2
              accept_threads: 3
              connection_threads: 0
            backends:
              mailusers: { type: stub }
              system: { type: stub, verdict: unknown }
            routes:
              - match: { realm: example.com }
                use: [ mailusers, system ]
              - match: { service: [ imap, pop ] }
                use: system
              - use: [ system ]
            """)
        #expect(config.listeners == [ListenerConfig(path: "/run/saslauthd/mux", mode: 0o660, group: "sasl", groupError: config.listeners[0].groupError)])
        #expect(config.listeners[0].directoryMode == 0o750)
        #expect(config.realms.defaultRealm == "example.com")
        #expect(config.realms.aliases == ["mail.example.com": "example.com", "myhost": "example.com"])
        #expect(config.realms.splitLogin == .first)
        #expect(config.realms.lowercaseUser)
        #expect(config.limits.readTimeout == .milliseconds(1500))
        #expect(config.limits.clientAddressGrace == .zero)
        #expect(config.limits.eventLoops == 2)
        #expect(config.limits.acceptThreads == 3)
        #expect(config.limits.connectionThreads == 0)
        #expect(config.backends.map(\.name) == ["mailusers", "system"])
        #expect(config.routes.count == 3)
        #expect(config.routes[0].match == RouteMatch(realms: ["example.com"]))
        #expect(config.routes[0].chain == ["mailusers", "system"])
        #expect(config.routes[1].match == RouteMatch(services: ["imap", "pop"]))
        #expect(config.routes[1].chain == ["system"])
        #expect(config.routes[2].match == nil)
    }

    @Test func defaultsApply() throws {
        let config = try Self.load("backends:\n  only: { type: stub }\n")
        #expect(config.listeners == [ListenerConfig()])
        #expect(config.listeners[0].path == "/run/saslauthd/mux")
        #expect(config.listeners[0].mode == 0o660)
        #expect(config.realms == RealmRules())
        #expect(config.limits == LimitsConfig())
        #expect(config.routes == [Route(number: 1, match: nil, chain: ["only"], line: 2)])
    }

    @Test func unknownKeyIsLocated() throws {
        let error = try #require(Self.failure("""
            backends:
              mailusers:
                type: stub
                verdcit: accept
            """))
        #expect(error.file == "/etc/authmux/test.yaml")
        #expect(error.line == 4)
        #expect(error.keyPath == "backends.mailusers.verdcit")
        #expect(error.description.hasPrefix("/etc/authmux/test.yaml:4:5: backends.mailusers.verdcit: unknown key"))
    }

    @Test func unknownTopLevelKey() throws {
        let error = try #require(Self.failure("backends:\n  a: { type: stub }\nroutez: []\n"))
        #expect(error.line == 3)
        #expect(error.keyPath == "routez")
    }

    @Test func routeNamingAMissingBackend() throws {
        let error = try #require(Self.failure("""
            backends:
              a: { type: stub }
            routes:
              - use: [ a, b ]
            """))
        #expect(error.line == 4)
        #expect(error.keyPath == "routes[1].use[2]")
        #expect(error.message.contains("no backend named \"b\""))
    }

    @Test("bad mode strings", arguments: ["\"0999\"", "\"rw-rw----\"", "\"04660\"", "\"0066\"", "\"\""])
    func badMode(_ mode: String) throws {
        let error = try #require(Self.failure("listen:\n  - path: /run/x/mux\n    mode: \(mode)\nbackends:\n  a: { type: stub }\n"))
        #expect(error.line == 3)
        #expect(error.keyPath == "listen[1].mode")
    }

    @Test func unquotedModeIsReadAsOctal() throws {
        let config = try Self.load("listen:\n  - path: /run/x/mux\n    mode: 0600\nbackends:\n  a: { type: stub }\n")
        #expect(config.listeners[0].mode == 0o600)
    }

    @Test func wrongTypes() throws {
        #expect(try #require(Self.failure("realms:\n  lowercase_user: sometimes\nbackends:\n  a: { type: stub }\n")).keyPath == "realms.lowercase_user")
        #expect(try #require(Self.failure("realms: [a, b]\nbackends:\n  a: { type: stub }\n")).keyPath == "realms")
        #expect(try #require(Self.failure("listen: { path: /x }\nbackends:\n  a: { type: stub }\n")).keyPath == "listen")
        #expect(try #require(Self.failure("limits:\n  read_timeout: soon\nbackends:\n  a: { type: stub }\n")).keyPath == "limits.read_timeout")
        #expect(try #require(Self.failure("realms:\n  split_login: middle\nbackends:\n  a: { type: stub }\n")).keyPath == "realms.split_login")
    }

    @Test func unknownBackendType() throws {
        let error = try #require(Self.failure("backends:\n  a: { type: kerberos }\n"))
        #expect(error.keyPath == "backends.a.type")
        #expect(error.message.contains("stub"))
    }

    @Test func duplicateKeys() throws {
        let error = try #require(Self.failure("backends:\n  a: { type: stub }\n  a: { type: stub }\n"))
        #expect(error.line == 3)
        #expect(error.message == "duplicate key")
    }

    @Test func routesAfterTheDefaultAreUnreachable() throws {
        let error = try #require(Self.failure("""
            backends:
              a: { type: stub }
            routes:
              - use: [ a ]
              - match: { service: imap }
                use: [ a ]
            """))
        #expect(error.line == 5)
        #expect(error.message.contains("unreachable"))
    }

    @Test func twoBackendsNeedRoutes() throws {
        let error = try #require(Self.failure("backends:\n  a: { type: stub }\n  b: { type: stub }\n"))
        #expect(error.message.contains("routes"))
    }

    @Test func relativeSocketPathIsRefused() throws {
        let error = try #require(Self.failure("listen:\n  - path: run/mux\nbackends:\n  a: { type: stub }\n"))
        #expect(error.keyPath == "listen[1].path")
    }

    @Test func unsupportedProtocolNamesWhatIsSupported() throws {
        let error = try #require(Self.failure("listen:\n  - protocol: imap\nbackends:\n  a: { type: stub }\n"))
        #expect(error.message.contains("saslauthd"))
    }

    @Test func yamlSyntaxErrorsAreLocated() throws {
        let error = try #require(Self.failure("backends:\n  a: { type: stub\n"))
        #expect(error.line >= 2)
        #expect(error.message.contains("YAML"))
    }

    @Test func emptyFile() throws {
        #expect(try #require(Self.failure("")).message.contains("empty"))
    }

    @Test func durations() {
        #expect(ConfigNode.parseDuration("5s") == .seconds(5))
        #expect(ConfigNode.parseDuration("250ms") == .milliseconds(250))
        #expect(ConfigNode.parseDuration("2m") == .minutes(2))
        #expect(ConfigNode.parseDuration("1h") == .hours(1))
        #expect(ConfigNode.parseDuration("3") == .seconds(3))
        #expect(ConfigNode.parseDuration("-1s") == nil)
        #expect(ConfigNode.parseDuration("fast") == nil)
    }

    /// Found by the FuzzConfig fuzz target: converting 1e21 ns to Int64 trapped, so a typo in a
    /// duration crashed the daemon at start or at a reload instead of naming the line.
    @Test func hugeDurationsAreOutOfRangeNotACrash() throws {
        #expect(ConfigNode.parseDuration("1e12s") == .nanoseconds(.max))
        #expect(ConfigNode.parseDuration("1e300h") == .nanoseconds(.max))
        #expect(ConfigNode.parseDuration("9223372036.854775807") == .nanoseconds(.max))
        let error = try #require(Self.failure("limits:\n  read_timeout: 1e12s\nbackends: { a: { type: stub } }\n"))
        #expect(error.line == 2)
        #expect(error.keyPath == "limits.read_timeout")
        #expect(error.message.contains("must be between"))
    }

    @Test func acceptThreadsDefaultsToTwoAndIsBounded() throws {
        #expect(LimitsConfig().acceptThreads == 2)
        let error = try #require(Self.failure("limits:\n  accept_threads: 65\nbackends: { a: { type: stub } }\n"))
        #expect(error.line == 2)
        #expect(error.keyPath == "limits.accept_threads")
        #expect(error.message.contains("must be between"))
        // 0 once meant "accept on the event loop"; there is one accept path now, and the error
        // says so rather than a bare range.
        let zero = try #require(Self.failure("limits:\n  accept_threads: 0\nbackends: { a: { type: stub } }\n"))
        #expect(zero.line == 2 && zero.keyPath == "limits.accept_threads")
        #expect(zero.message.contains("must be at least 1") && zero.message.contains("used to accept on the event loop"))
    }

    @Test func connectionThreadsDefaultsTo32AndIsBounded() throws {
        #expect(LimitsConfig().connectionThreads == 32)
        let error = try #require(Self.failure("limits:\n  connection_threads: 257\nbackends: { a: { type: stub } }\n"))
        #expect(error.line == 2)
        #expect(error.keyPath == "limits.connection_threads")
        #expect(error.message.contains("must be between"))
    }

    @Test func missingFileSaysSo() {
        #expect(throws: ConfigError.self) { try ConfigLoader.load(path: "/nonexistent/authmux.yaml", catalog: Self.catalog) }
    }
}
