public import AuthCore
public import Logging

/// Decodes `type: pam` backends and builds them.
public struct PAMBackendKind: BackendKind {
    public init() {}

    public var type: String { "pam" }

    public func decode(_ node: ConfigNode) throws(ConfigError) -> PAMSettings {
        var settings = PAMSettings(services: PAMServiceAllowList(defaultAt: node.error("")))
        var servicesNode: ConfigNode?
        for (key, value) in try node.mapping(allowed: ["type", "service", "services", "allow_passwordless_stacks", "identity", "threads"]) {
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
                    settings.serviceOrigin = value.error("")
                }
            case "services":
                settings.services = try Self.decodeServices(value)
                servicesNode = value
            case "allow_passwordless_stacks":
                settings.allowPasswordlessStacks = try value.bool()
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
        // Keys come in any order, so what depends on `service` is checked afterwards.
        if let servicesNode, case .fixed(let name) = settings.service {
            throw servicesNode.error("only a backend with service: \"%s\" takes services; with service: \(name) every check uses the \(name) stack (to send only some services here, use a route's match: { service: [...] })")
        }
        return settings
    }

    /// `services: [smtp, imap]`: names libpam can open, each once (compared as libpam opens them).
    static func decodeServices(_ node: ConfigNode) throws(ConfigError) -> PAMServiceAllowList {
        var entries: [(name: String, origin: ConfigError)] = []
        let items: [ConfigNode]
        if case .sequence = node.node { items = try node.sequence() } else { items = [node] }
        guard !items.isEmpty else { throw node.error("must name at least one service (leave services out for the default list)") }
        for item in items {
            let name = try item.nonEmptyString()
            guard PAMServiceChoice.isValidName(name) else {
                throw item.error("\"\(name)\" is not a PAM service name (letters, digits, - _ .)")
            }
            guard !entries.contains(where: { PAMServiceChoice.fileName(for: $0.name) == PAMServiceChoice.fileName(for: name) }) else {
                throw item.error("\"\(name)\" is listed twice")
            }
            entries.append((name, item.error("")))
        }
        return PAMServiceAllowList(entries)
    }

    public func makeBackend(name: String, settings: PAMSettings, logger: Logger) throws -> PAMBackend {
        PAMBackend(name: name, settings: settings, logger: logger)
    }
}
