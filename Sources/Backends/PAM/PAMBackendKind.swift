public import AuthCore
public import Logging

/// Decodes `type: pam` backends and builds them.
public struct PAMBackendKind: BackendKind {
    public init() {}

    public var type: String { "pam" }

    public func decode(_ node: ConfigNode) throws(ConfigError) -> PAMSettings {
        var settings = PAMSettings()
        for (key, value) in try node.mapping(allowed: ["type", "service", "identity", "threads"]) {
            switch key {
            case "service":
                let text = try value.nonEmptyString()
                if text == "%s" {
                    settings.service = .fromRequest
                } else {
                    guard PAMServiceChoice.isValidName(text) else {
                        throw value.error("\"\(text)\" is not a PAM service name (letters, digits, - _ . ; or %s for the request's service)")
                    }
                    settings.service = .fixed(text)
                }
            case "identity":
                let text = try value.string()
                guard let style = IdentityStyle(rawValue: text) else {
                    throw value.error("expected one of: \(IdentityStyle.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                settings.identity = style
            case "threads":
                settings.threads = try value.int(in: 1...256)
            default:
                break
            }
        }
        return settings
    }

    public func makeBackend(name: String, settings: PAMSettings, logger: Logger) throws -> PAMBackend {
        PAMBackend(name: name, settings: settings, logger: logger)
    }
}
