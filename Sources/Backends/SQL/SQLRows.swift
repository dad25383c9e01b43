/// The first column of the rows a password query answered: at most two are kept, enough to
/// tell one row from several. nil stands for SQL NULL.
struct SQLRows: Sendable {
    var values: [[UInt8]?]
    /// Rows the query returned in all.
    var count: Int
}
