/// The bounded pool's books, under the store's lock: connections in use (each check holds one
/// slot from first try to answer), idle connections, and checks waiting for a slot.
///
/// `inUse + idle.count` never passes the limit, so neither do the open connections.
struct PostgresPoolState {
    var inUse = 0
    var idle: [PostgresPooled] = []
    /// Checks waiting for a slot, first come first served; each gets a pooled connection or
    /// nil (open one).
    var waiters: [@Sendable (PostgresPooled?) -> Void] = []
}
