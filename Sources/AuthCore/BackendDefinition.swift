/// One entry of `backends:`: its name, where it was written, and its decoded settings.
public struct BackendDefinition: Sendable {
    public var name: String
    public var settings: any BackendSettings
    public var line: Int
    /// False with `cache: false`: checks that consult this backend are never cached.
    public var cacheable = true

    public init(name: String, settings: any BackendSettings, line: Int) {
        self.name = name
        self.settings = settings
        self.line = line
    }
}
