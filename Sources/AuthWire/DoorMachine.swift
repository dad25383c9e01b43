public import NIOCore

/// A front door's protocol for one connection, as a value: bytes, the end of input, a timer and
/// finished checks go in; `DoorAction`s come out, pulled one at a time with `nextAction()`.
/// No I/O, no clock, no engine: the same machine is driven by an accept thread that answers on
/// the spot and by a SwiftNIO channel, and unit tests drive it with nothing at all.
///
/// A machine holds the bytes it has received (a password among them) and overwrites them as soon
/// as a request is decoded or refused, and in `wipe()`.
public protocol DoorMachine: Sendable {
    /// The connection was accepted.
    mutating func start()
    /// Bytes arrived.
    mutating func receive(_ bytes: ByteBuffer)
    /// The peer will send nothing more (it shut down its side, or closed).
    mutating func inputEnded()
    /// The timer the machine armed has fired.
    mutating func timerFired()
    /// The check for `id` finished.
    mutating func finished(_ id: RequestID, _ verdict: DoorVerdict)
    /// The request `id` was refused after the door accepted it, before any backend was asked
    /// (the realm rules found no user in it): answer with the door's refusal.
    mutating func rejected(_ id: RequestID, reason: String)
    /// The server is shutting down: close what can be closed without losing a request.
    mutating func quiesce()
    /// The next action, or nil until the next event.
    mutating func nextAction() -> DoorAction?
    /// True while the machine waits for a request (nothing complete and no check in flight):
    /// such a connection may be closed to make room for others.
    var isIdle: Bool { get }
    /// True for protocols that carry one request per connection: once its check is asked, the
    /// machine needs no more input to answer, so an accept thread may see it to the end.
    var isOneShot: Bool { get }
    /// Overwrites every byte the machine holds.
    mutating func wipe()
    /// The longest a failed answer may be held after its request arrived, for protocols whose
    /// clients give up sooner than the failure delay and throttle may ask (Postfix waits 10 s
    /// for Dovecot's answer); nil: no limit. The throttle's hold on the account lasts its full
    /// time all the same.
    static var longestHold: TimeAmount? { get }
}

extension DoorMachine {
    public static var longestHold: TimeAmount? { nil }
}
