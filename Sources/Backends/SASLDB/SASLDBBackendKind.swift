import AuthWire
public import AuthCore
public import Logging

/// Decodes `type: sasldb` backends and builds them.
public struct SASLDBBackendKind: BackendKind {
    public init() {}

    public var type: String { "sasldb" }

    public func decode(_ node: ConfigNode) throws(ConfigError) -> SASLDBSettings {
        var settings = SASLDBSettings()
        for (key, value) in try node.mapping(allowed: ["type", "path", "threads", "empty_realm", "reread_after"]) {
            switch key {
            case "path":
                let path = try value.nonEmptyString()
                guard path.hasPrefix("/") else { throw value.error("must be an absolute path") }
                settings.path = path
            case "threads":
                settings.threads = try value.int(in: 1...64)
            case "reread_after":
                settings.rereadAfter = try value.duration(in: .milliseconds(10) ... .hours(1))
            case "empty_realm":
                settings.emptyRealm = IdentityNormalizer.canonicalRealmSpelling(ByteString(try value.nonEmptyString()))
            default:
                break
            }
        }
        return settings
    }

    /// Resolves the host's name for `empty_realm` here, once, at start: never while decoding.
    public func makeBackend(name: String, settings: SASLDBSettings, logger: Logger) throws -> SASLDBBackend {
        var started = settings
        started.emptyRealm = settings.resolvedEmptyRealm
        return SASLDBBackend(name: name, settings: started, logger: logger)
    }
}
