public import AuthWire
/// Who and what one request is about, after the realm rules: everything a backend may derive
/// its question from. Built once per request by the engine.
public struct CheckSubject: Sendable {
    public var identity: CanonicalIdentity
    public var service: ByteString
    /// `ip;port` as the client sent it, when the door carries it.
    public var clientAddress: ByteString?

    public init(identity: CanonicalIdentity, service: ByteString, clientAddress: ByteString? = nil) {
        self.identity = identity
        self.service = service
        self.clientAddress = clientAddress
    }

    /// The host part of the client address (PAM_RHOST, the throttle's client key).
    public var clientHost: ByteString? { clientAddress.map(CheckRequest.host(ofClientAddress:)) }
}
