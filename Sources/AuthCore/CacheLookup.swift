/// The cache's answer before the chain runs.
public enum CacheLookup: Sendable {
    /// Answered from memory; the outcome is marked `cached`.
    case hit(CheckOutcome)
    /// The chain must run; give its outcome and this ticket to `CredentialCache.record`.
    case miss(CacheTicket)
}
