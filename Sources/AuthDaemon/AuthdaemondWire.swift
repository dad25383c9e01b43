import AuthCore
import NIOCore

/// authdaemond framing for `FrontDoorConnectionHandler`.
struct AuthdaemondWire: FrontDoorWire {
    var protocolName: ListenerProtocol { .authdaemond }
    /// The command line, the payload and libsasl2's trailing empty line.
    var maxRequestBytes: Int { AuthdaemondCodec.maxCommandLineLength + 1 + AuthdaemondCodec.maxPayloadLength + 1 }

    func scan(_ buffer: ByteBuffer) -> FrontDoorScan {
        AuthdaemondCodec.scan(buffer)
    }

    /// Unavailable closes without an answer: that is how Courier's daemon reports a temporary
    /// failure, and libsasl2 then says "could not verify password" rather than blaming the
    /// password.
    func answer(for outcome: CheckOutcome, identity: CanonicalIdentity) -> String? {
        switch outcome.result {
        case .ok: return AuthdaemondCodec.successAnswer(identity: identity)
        case .failed: return AuthdaemondCodec.failAnswer
        case .unavailable: return nil
        }
    }

    /// The protocol has one way to say no; the reason goes to the log only.
    func refusal(reason: String) -> String {
        AuthdaemondCodec.failAnswer
    }
}
