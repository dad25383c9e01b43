public import Logging

/// A type of backend (`type: sasldb`…): decodes its own settings and builds instances from
/// them. The daemon finds kinds through a `BackendCatalog`, so it never names PAM, LDAP or
/// sasldb itself, and the settings reach their backend with their own type, never by a cast.
public protocol BackendKind: Sendable {
    associatedtype Backend: AuthBackend

    var type: String { get }
    /// Strictly decodes the backend's mapping (including `type`), rejecting unknown keys.
    /// Never blocks (no name resolution, no file reads): it runs for every reload and for
    /// `check-config`.
    func decode(_ node: ConfigNode) throws(ConfigError) -> Backend.Settings
    func makeBackend(name: String, settings: Backend.Settings, logger: Logger) throws -> Backend
}

extension BackendKind {
    /// One entry of `backends:`, decoded, with the way to build its backend bound in.
    public func definition(name: String, node: ConfigNode) throws(ConfigError) -> BackendDefinition {
        let settings = try decode(node)
        return BackendDefinition(name: name, settings: settings, line: node.line) { name, logger in
            try self.makeBackend(name: name, settings: settings, logger: logger)
        }
    }
}
