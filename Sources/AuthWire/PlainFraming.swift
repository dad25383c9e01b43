public import NIOCore

/// How one of the doors that read a single request and then read to the end (pwcheck,
/// authdaemond) frames its request and its answers. The connection's life around it is the same
/// for both, so it lives once, in `PlainDoor`.
public protocol PlainFraming: Sendable {
    /// More than a valid request can hold (libsasl2's trailing bytes included).
    var maxRequestBytes: Int { get }
    func scan(_ buffer: ByteBuffer) -> FrontDoorScan
    /// The answer to a finished check; nil closes without one.
    func answer(_ verdict: DoorVerdict) -> String?
    /// The answer to a request refused before any check, given the reason logged.
    func refusal(reason: String) -> String
}
