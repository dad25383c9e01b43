public import NIOCore

/// pwcheck framing. The wire names no service, so the listener's `service:` is what routes see.
public struct PwcheckFraming: PlainFraming {
    public let service: ByteString

    public init(service: ByteString) {
        self.service = service
    }

    public var maxRequestBytes: Int { 2 * (PwcheckCodec.maxFieldLength + 1) + 1 }

    public func scan(_ buffer: ByteBuffer) -> FrontDoorScan {
        PwcheckCodec.scan(buffer, service: service)
    }

    public func answer(_ verdict: DoorVerdict) -> String? {
        PwcheckCodec.answer(for: verdict.result)
    }

    /// pwcheck clients pass the text on as the failure reason, so it says what was wrong.
    public func refusal(reason: String) -> String {
        reason
    }
}
