public import Logging

/// A type of backend (`type: sasldb`…): decodes its own settings and builds instances. The
/// daemon finds kinds through a `BackendCatalog`, so it never names PAM, LDAP or sasldb itself.
public protocol BackendKind: Sendable {
    var type: String { get }
    /// Strictly decodes the backend's mapping (including `type`), rejecting unknown keys.
    func decodeSettings(_ node: ConfigNode) throws(ConfigError) -> any BackendSettings
    func makeBackend(name: String, settings: any BackendSettings, logger: Logger) throws -> any AuthBackend
}
