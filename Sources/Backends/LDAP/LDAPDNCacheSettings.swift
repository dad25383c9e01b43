public import NIOCore

/// `dn_cache: { ttl, max_entries }` of an ldap backend (bind): how long a DN found by the search
/// is remembered for the same question, and how many are kept.
public struct LDAPDNCacheSettings: Sendable, Equatable {
    /// How long a remembered DN is used without searching again. It bounds only what a bind
    /// cannot notice: a second entry that later matches the same filter (an ambiguity) or a
    /// changed uid (memberUid groups); a moved, renamed or deleted entry fails the bind and is
    /// searched again at once.
    public var ttl: TimeAmount = .minutes(10)
    public var maxEntries = 100_000

    public init(ttl: TimeAmount = .minutes(10), maxEntries: Int = 100_000) {
        self.ttl = ttl
        self.maxEntries = maxEntries
    }

    static let keys: Set<String> = ["enabled", "ttl", "max_entries"]
}
