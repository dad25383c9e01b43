import AuthCore
import NIOCore

/// How one of the simple front doors (pwcheck, authdaemond) frames a request and its answer.
/// The connection handling around it (deadline, bounded input, wiping, logging, draining) is
/// the same for both, so it lives once in `FrontDoorConnectionHandler`.
protocol FrontDoorWire: Sendable {
    var protocolName: ListenerProtocol { get }
    /// More than a valid request can hold (libsasl2's trailing bytes included): input beyond it
    /// is refused without waiting for the rest.
    var maxRequestBytes: Int { get }
    func scan(_ buffer: ByteBuffer) -> FrontDoorScan
    /// The answer to a finished check; nil closes without one.
    func answer(for outcome: CheckOutcome, identity: CanonicalIdentity) -> String?
    /// The answer to a request refused before any backend was asked, given the reason logged.
    func refusal(reason: String) -> String
}
