public import Logging

/// One entry of `backends:`: its name, where it was written, its decoded settings, and how to
/// build the backend from them.
public struct BackendDefinition: Sendable {
    public var name: String
    public var settings: any BackendSettings
    public var line: Int
    /// False with `cache: false`: checks that consult this backend are never cached.
    public var cacheable = true
    private let build: @Sendable (String, Logger) throws -> any AuthBackend

    public init(name: String, settings: any BackendSettings, line: Int, build: @escaping @Sendable (String, Logger) throws -> any AuthBackend) {
        self.name = name
        self.settings = settings
        self.line = line
        self.build = build
    }

    /// Starts the backend (its thread pool, its watches).
    public func makeBackend(logger: Logger) throws -> any AuthBackend {
        try build(name, logger)
    }
}
