import AuthCore
import AuthWire

/// One check waiting for a sasldb backend's pool while a change to the file is pending.
struct SASLDBRequest: Sendable {
    var lookup: SASLDBKey
    var password: Secret
    var then: @Sendable (BackendAnswer) -> Void
}
