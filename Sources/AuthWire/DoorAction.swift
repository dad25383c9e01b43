public import NIOCore

/// What a front door asks its driver to do. The driver performs them in order; none blocks.
public enum DoorAction: Sendable {
    /// Ask the engine about this request, then report with `DoorMachine.finished`.
    case check(RequestID, CheckRequest)
    /// Forget a check in flight (Dovecot's CANCEL): its verdict is no longer wanted.
    case cancel(RequestID)
    /// Send these bytes.
    case send(ByteBuffer)
    /// A request was refused before any check, for this reason (for the log; the answer, if the
    /// protocol has one, follows as `.send`).
    case refused(String)
    /// Arm the connection's one timer for this long from now (replacing any armed one), or
    /// disarm it; when it fires, call `DoorMachine.timerFired`.
    case timer(TimeAmount?)
    /// Send nothing more, and keep reading until the peer closes (clients that read to the end
    /// take a reset on unread bytes for a failure).
    case closeOutput
    /// Close the connection; the machine wants nothing more.
    case close
}
