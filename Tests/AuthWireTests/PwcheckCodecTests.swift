import AuthWire
import NIOCore
import Testing

@Suite("pwcheck wire codec")
struct PwcheckCodecTests {
    static func buffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func refusal(_ scan: FrontDoorScan) -> FrontDoorRequestError? {
        if case .refused(let error) = scan { return error }
        return nil
    }

    static func isIncomplete(_ scan: FrontDoorScan) -> Bool {
        if case .incomplete = scan { return true }
        return false
    }

    @Test func roundTripCarriesTheListenersService() throws {
        var buffer = ByteBuffer()
        try PwcheckCodec.encodeRequest(login: "foo@example.com", password: Secret("p w"), into: &buffer)
        #expect(Array(buffer.readableBytesView) == Self.bytes("foo@example.com\0p w\0"))
        guard case .request(let request) = PwcheckCodec.scan(buffer, service: "sendmail") else {
            Issue.record("a whole request was not recognized")
            return
        }
        #expect(request.login == "foo@example.com")
        #expect(request.password.constantTimeEquals(Secret("p w")))
        #expect(request.service == "sendmail")
    }

    @Test func partialRequestsWaitForMore() {
        for prefix in ["", "foo", "foo\0", "foo\0secr"] {
            #expect(Self.isIncomplete(PwcheckCodec.scan(Self.buffer(Self.bytes(prefix)), service: "pwcheck")), "\(prefix.debugDescription)")
        }
    }

    @Test func overlongFieldsAreRefusedBeforeTheirEnd() {
        let long = [UInt8](repeating: UInt8(ascii: "a"), count: 257)
        #expect(Self.refusal(PwcheckCodec.scan(Self.buffer(long), service: "pwcheck")) == .tooLong(field: "login", limit: 256))
        #expect(Self.refusal(PwcheckCodec.scan(Self.buffer(Self.bytes("foo\0") + long), service: "pwcheck")) == .tooLong(field: "password", limit: 256))
        // 256 bytes each is still a request.
        let max = [UInt8](repeating: UInt8(ascii: "a"), count: 256)
        guard case .request = PwcheckCodec.scan(Self.buffer(max + [0] + max + [0]), service: "pwcheck") else {
            Issue.record("256-byte fields were refused")
            return
        }
    }

    @Test func malformedRequestsAreRefused() {
        let cases: [([UInt8], FrontDoorRequestError)] = [
            (Self.bytes("foo\0pw\0more"), .malformed("data after the password")),
            (Self.bytes("\0pw\0"), .refused(.emptyLogin)),
            (Self.bytes("foo\0\0"), .refused(.emptyPassword)),
            ([0xFF, 0xFE, 0] + Self.bytes("pw\0"), .refused(.field("login", .notUTF8))),
        ]
        for (bytes, expected) in cases {
            #expect(Self.refusal(PwcheckCodec.scan(Self.buffer(bytes), service: "pwcheck")) == expected, "\(bytes)")
        }
    }

    @Test func answersNeverLookLikeSuccessUnlessTheyAre() {
        #expect(PwcheckCodec.answer(for: .ok) == "OK")
        for result in [DoorVerdict.Result.failed, .unavailable] {
            #expect(!PwcheckCodec.isSuccess(PwcheckCodec.answer(for: result)))
        }
        var out = ByteBuffer()
        PwcheckCodec.encodeAnswer("authentication failed", into: &out)
        #expect(String(buffer: out) == "authentication failed")
        #expect(PwcheckCodec.decodeAnswer(Self.bytes("OK\n")) == "OK")
        #expect(PwcheckCodec.decodeAnswer(Self.bytes("Incorrect password\0")) == "Incorrect password")
    }

    @Test func clientRefusesWhatCannotBeFramed() {
        var buffer = ByteBuffer()
        #expect(throws: FrontDoorRequestError.malformed("a NUL in the login")) {
            try PwcheckCodec.encodeRequest(login: "a\0b", password: Secret("pw"), into: &buffer)
        }
        #expect(throws: FrontDoorRequestError.tooLong(field: "password", limit: 256)) {
            try PwcheckCodec.encodeRequest(login: "a", password: Secret(String(repeating: "p", count: 257)), into: &buffer)
        }
    }
}
