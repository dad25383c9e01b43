/// What a cache miss hands to `CredentialCache.record` once the chain has answered: the key,
/// the offered password's digest, and the store generations read before any backend was asked,
/// so a store that changes during the check leaves an entry that is already stale.
public struct CacheTicket: Sendable {
    let key: CacheKey
    let digest: PasswordDigest
    let chain: [String]
    let generations: [UInt64?]
}
