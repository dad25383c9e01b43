import AuthWire
public import AuthCore
public import Logging

/// Decodes `type: passwd-file` backends and builds them.
public struct PasswdFileBackendKind: BackendKind {
    public init() {}

    public var type: String { "passwd-file" }

    public func decode(_ node: ConfigNode) throws(ConfigError) -> PasswdFileSettings {
        var settings = PasswdFileSettings()
        var sawPath = false
        for (key, value) in try node.mapping(allowed: ["type", "path", "threads", "identity", "allow_weak_schemes", "rehash", "remember_verified", "reread_after"]) {
            switch key {
            case "path":
                let path = try value.nonEmptyString()
                guard path.hasPrefix("/") else { throw value.error("must be an absolute path") }
                // %d is the only token: a stray % is more likely a typo than a file name.
                guard !path.replacing("%d", with: "").contains("%") else { throw value.error("only %d (the realm) may follow a %") }
                guard !path.hasSuffix("/") else { throw value.error("must name a file, not a directory") }
                settings.path = path
                sawPath = true
            case "threads":
                settings.threads = try value.int(in: 1...64)
            case "identity":
                let text = try value.nonEmptyString()
                guard let style = IdentityStyle(rawValue: text) else {
                    throw value.error("expected one of: \(IdentityStyle.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                settings.identity = style
            case "allow_weak_schemes":
                settings.allowWeakSchemes = try value.bool()
            case "rehash":
                settings.rehash = try value.bool()
            case "reread_after":
                settings.rereadAfter = try value.duration(in: .milliseconds(10) ... .hours(1))
            case "remember_verified":
                settings.rememberVerified = try value.bool()
            default:
                break
            }
        }
        guard sawPath else { throw node.error("a passwd-file backend needs path:") }
        return settings
    }

    public func makeBackend(name: String, settings: PasswdFileSettings, logger: Logger) throws -> PasswdFileBackend {
        PasswdFileBackend(name: name, settings: settings, logger: logger)
    }
}
