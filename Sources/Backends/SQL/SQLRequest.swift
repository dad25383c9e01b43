/// One check's query, waiting in a sql backend's queue for a pool thread.
struct SQLRequest: Sendable {
    var parameters: [String]
    var then: @Sendable (Result<SQLRows, SQLFailure>) -> Void
}
