public import AuthWire
/// The `realms:` section of the configuration: how every login becomes one canonical identity.
public struct RealmRules: Sendable, Equatable {
    /// Realm used when neither the login nor the realm field names one (canonical spelling).
    public var defaultRealm: ByteString?
    /// Canonical realm -> canonical realm, applied once; keys and values are stored already in
    /// canonical spelling, and looked up by bytes.
    public var aliases: [ByteString: ByteString]
    public var splitLogin: SplitLogin
    public var lowercaseUser: Bool

    public init(defaultRealm: ByteString? = nil, aliases: [ByteString: ByteString] = [:], splitLogin: SplitLogin = .last, lowercaseUser: Bool = false) {
        self.defaultRealm = defaultRealm.map(IdentityNormalizer.canonicalRealmSpelling)
        self.aliases = Dictionary(
            aliases.map { (IdentityNormalizer.canonicalRealmSpelling($0.key), IdentityNormalizer.canonicalRealmSpelling($0.value)) },
            uniquingKeysWith: { first, _ in first }
        )
        self.splitLogin = splitLogin
        self.lowercaseUser = lowercaseUser
    }
}
