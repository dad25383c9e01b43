public import NIOCore

/// An `AUTH` line of Dovecot's auth protocol, as far as the door uses it. The initial response
/// stays a view of the received line (the base64 of a password): the line's buffer is wiped
/// once the line has been acted on.
public struct DovecotAuthRequest {
    public var id: UInt32
    public var mechanism: DovecotMechanism
    /// `service=`: what the routes see as the request's service.
    public var service: [UInt8]?
    /// `rip=` and, when given, `;` and `rport=`: the form saslauthd's fifth field has, so the
    /// throttle and PAM_RHOST take the host part alike on every door.
    public var clientAddress: [UInt8]?
    /// `resp=`, still base64; nil when absent. Empty is the same as absent (Exim sends
    /// `resp=` when the SMTP client gave no initial response).
    public var response: ByteBufferView?
}
