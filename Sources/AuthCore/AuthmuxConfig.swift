/// The whole validated configuration.
public struct AuthmuxConfig: Sendable {
    /// The file it came from (`<embedded default>` for `make run`'s built-in example).
    public var file: String
    public var listeners: [ListenerConfig]
    public var realms: RealmRules
    public var limits: LimitsConfig
    public var failureDelay: FailureDelay
    /// In the order written.
    public var backends: [BackendDefinition]
    public var routes: [Route]
    public var cache = CacheSettings()
    public var throttle = ThrottleSettings()
    /// `run_as`: the account to switch to after binding; nil keeps the starting account.
    public var runAs: RunAsConfig?
    /// `metrics`: the Prometheus endpoint; nil (the default) serves none.
    public var metrics: MetricsConfig?

    public init(
        file: String, listeners: [ListenerConfig], realms: RealmRules, limits: LimitsConfig, failureDelay: FailureDelay = FailureDelay(),
        backends: [BackendDefinition], routes: [Route]
    ) {
        self.file = file
        self.listeners = listeners
        self.realms = realms
        self.limits = limits
        self.failureDelay = failureDelay
        self.backends = backends
        self.routes = routes
    }

    /// Every listener's socket path replaced, for `--socket`.
    public func overridingSocket(_ path: String) -> AuthmuxConfig {
        var copy = self
        if copy.listeners.isEmpty { copy.listeners = [ListenerConfig()] }
        copy.listeners[0].path = path
        return copy
    }
}
