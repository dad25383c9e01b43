/// Why a filter or DN template cannot be used; turned into a located `ConfigError`.
public struct LDAPTemplateError: Error, Sendable {
    public var message: String
}
