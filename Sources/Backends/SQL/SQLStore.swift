/// One database client behind a sql backend: runs the parsed password query with one check's
/// bound values. Each driver owns its connections, their timeouts and their failover.
protocol SQLStore: Sendable {
    /// Runs the query and calls `then` exactly once, from any thread; never blocks the caller.
    func fetch(_ parameters: [String], then: @escaping @Sendable (Result<SQLRows, SQLFailure>) -> Void)
    /// Hosts and whether each is up, for metrics.
    func servers() -> [(uri: String, up: Bool)]
    /// Closes every connection; called once, after the last check.
    func close() async
}
