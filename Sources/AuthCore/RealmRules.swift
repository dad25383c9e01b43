/// The `realms:` section of the configuration: how every login becomes one canonical identity.
public struct RealmRules: Sendable, Equatable {
    /// Realm used when neither the login nor the realm field names one.
    public var defaultRealm: String?
    /// Canonical realm -> canonical realm, applied once; keys and values are stored already
    /// lowercased and without a trailing dot.
    public var aliases: [String: String]
    public var splitLogin: SplitLogin
    public var lowercaseUser: Bool

    public init(defaultRealm: String? = nil, aliases: [String: String] = [:], splitLogin: SplitLogin = .last, lowercaseUser: Bool = false) {
        self.defaultRealm = defaultRealm.map(IdentityNormalizer.canonicalRealmSpelling)
        self.aliases = Dictionary(
            aliases.map { (IdentityNormalizer.canonicalRealmSpelling($0.key), IdentityNormalizer.canonicalRealmSpelling($0.value)) },
            uniquingKeysWith: { first, _ in first }
        )
        self.splitLogin = splitLogin
        self.lowercaseUser = lowercaseUser
    }
}
