import AuthCore
import NIOCore

/// pwcheck framing for `FrontDoorConnectionHandler`. The wire names no service, so the
/// listener's `service:` is the one routes see.
struct PwcheckWire: FrontDoorWire {
    let service: ByteString

    var protocolName: ListenerProtocol { .pwcheck }
    var maxRequestBytes: Int { 2 * (PwcheckCodec.maxFieldLength + 1) + 1 }

    func scan(_ buffer: ByteBuffer) -> FrontDoorScan {
        PwcheckCodec.scan(buffer, service: service)
    }

    func answer(for outcome: CheckOutcome, identity: CanonicalIdentity) -> String? {
        PwcheckCodec.answer(for: outcome.result)
    }

    /// pwcheck clients pass the text on as the failure reason, so it says what was wrong.
    func refusal(reason: String) -> String {
        reason
    }
}
