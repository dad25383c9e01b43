public import NIOCore

/// authdaemond framing, as libsasl2 speaks it.
public struct AuthdaemondFraming: PlainFraming {
    public init() {}

    /// The command line, the payload and libsasl2's trailing empty line.
    public var maxRequestBytes: Int { AuthdaemondCodec.maxCommandLineLength + 1 + AuthdaemondCodec.maxPayloadLength + 1 }

    public func scan(_ buffer: ByteBuffer) -> FrontDoorScan {
        AuthdaemondCodec.scan(buffer)
    }

    /// Unavailable closes without an answer: that is how Courier's daemon reports a temporary
    /// failure, and libsasl2 then says "could not verify password" rather than blaming the
    /// password.
    public func answer(_ verdict: DoorVerdict) -> String? {
        switch verdict.result {
        case .ok: return AuthdaemondCodec.successAnswer(user: verdict.user, address: verdict.qualified)
        case .failed: return AuthdaemondCodec.failAnswer
        case .unavailable: return nil
        }
    }

    /// The protocol has one way to say no; the reason goes to the log only.
    public func refusal(reason: String) -> String {
        AuthdaemondCodec.failAnswer
    }
}
