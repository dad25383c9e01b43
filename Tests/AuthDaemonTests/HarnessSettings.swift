import AuthCore
import AuthWire

/// The harness backend's settings: its question is the whole subject, so a test can see what
/// reached the store (the client address of a fifth field among it).
struct HarnessSettings: BackendSettings {
    /// Whether routes through it wait for a fifth field (`limits.client_address_grace`).
    var usesClientAddress = false
    var type: String { "harness" }
    var summary: String { "in-process test backend" }

    func lookup(for subject: CheckSubject) -> BackendLookup<CheckSubject> {
        let user = subject.identity.user
        return BackendLookup(lookup: subject, asked: user, shown: user.bytes)
    }
}
