package import NIOCore

/// One remembered answer. Holds no password bytes: only the keyed digest of the password that
/// got this answer.
package struct CacheEntry: Sendable {
    package var digest: PasswordDigest
    /// Accepted (positive entry) or refused (negative entry: rejected, or unknown to every
    /// backend on the route).
    package var accepted: Bool
    package var expires: NIODeadline
    /// The backend that decided; nil when every backend said unknown user.
    package var backend: String?
    /// The verdicts that led to the answer, replayed into the log on a hit (reasons only).
    package var trail: [TrailEntry]
    /// Every backend consulted; a generation that moves voids the entry.
    package var stamps: [BackendStamp]
}
