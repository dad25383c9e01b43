public import AuthWire

/// What a sql backend binds for one check: the values of `password_query`'s tokens, in order.
public struct SQLLookup: Sendable {
    /// nil when a value is not UTF-8: the databases take text parameters as UTF-8 (PostgreSQL
    /// refuses anything else), so such a login cannot match any row and is never sent.
    public var parameters: [String]?
    /// The same values as bytes, for the log line.
    public var values: [ByteString]
}
