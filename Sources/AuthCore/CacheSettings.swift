public import NIOCore

/// The `cache:` section.
public struct CacheSettings: Sendable, Equatable {
    /// Off means every check asks the backends, as before the cache existed.
    public var enabled: Bool
    /// How long an accepted password is answered from memory. A password changed in a store
    /// that authmux cannot watch (PAM, LDAP) keeps working this long unless the user types the
    /// new one; that is the trade-off the administrator picks here.
    public var ttl: TimeAmount
    /// How long the same wrong password is answered `NO` from memory. Zero turns negative
    /// entries off.
    public var negativeTTL: TimeAmount
    /// Bound on entries; the least recently used one makes room. An entry holds the identity's
    /// strings (at most 3 × 256 bytes on the wire) and a 32-byte digest, so the default bounds
    /// the cache to a few megabytes even in the worst case.
    public var maxEntries: Int

    public static let defaultMaxEntries = 10_000

    public init(enabled: Bool = true, ttl: TimeAmount = .minutes(10), negativeTTL: TimeAmount = .seconds(30), maxEntries: Int = CacheSettings.defaultMaxEntries) {
        self.enabled = enabled
        self.ttl = ttl
        self.negativeTTL = negativeTTL
        self.maxEntries = maxEntries
    }

    /// One line for `check-config`.
    public var summary: String {
        guard enabled else { return "disabled (every check asks the backends)" }
        return "ttl \(ConfigNode.format(ttl)), negative_ttl \(ConfigNode.format(negativeTTL)), max_entries \(maxEntries)"
    }
}
