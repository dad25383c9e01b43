import AuthWire
import NIOCore
import Testing

@Suite("saslauthd wire codec")
struct SaslauthdCodecTests {
    static func counted(_ fields: [[UInt8]]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for field in fields {
            buffer.writeInteger(UInt16(field.count))
            buffer.writeBytes(field)
        }
        return buffer
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func fourFieldRoundTrip() throws {
        var buffer = ByteBuffer()
        try SaslauthdCodec.encodeRequest(login: "foo", password: Secret("pw"), service: "imap", realm: "example.com", clientAddress: nil, into: &buffer)
        #expect(SaslauthdCodec.scan(buffer) == .fourFields)
        let request = try SaslauthdCodec.decodeRequest(buffer, fieldCount: 4).get()
        #expect(request.login == "foo")
        #expect(request.password.constantTimeEquals(Secret("pw")))
        #expect(request.service == "imap")
        #expect(request.realm == "example.com")
        #expect(request.clientAddress == nil)
    }

    @Test func fiveFieldRoundTrip() throws {
        var buffer = ByteBuffer()
        try SaslauthdCodec.encodeRequest(login: "foo", password: Secret("pw"), service: "smtp", realm: "", clientAddress: "192.0.2.1;25", into: &buffer)
        #expect(SaslauthdCodec.scan(buffer) == .fiveFields)
        let request = try SaslauthdCodec.decodeRequest(buffer, fieldCount: 5).get()
        #expect(request.clientAddress == "192.0.2.1;25")
        #expect(request.realm == "")
    }

    @Test func emptyFifthFieldIsAllowed() throws {
        let buffer = Self.counted([Self.bytes("foo"), Self.bytes("pw"), Self.bytes("imap"), [], []])
        #expect(SaslauthdCodec.scan(buffer) == .fiveFields)
        #expect(try SaslauthdCodec.decodeRequest(buffer, fieldCount: 5).get().clientAddress == "")
    }

    @Test func incompleteRequestsWaitForMore() {
        let full = Self.counted([Self.bytes("foo"), Self.bytes("pw"), Self.bytes("imap"), Self.bytes("example.com")])
        for cut in 0..<full.readableBytes {
            let prefix = full.getSlice(at: 0, length: cut)!
            guard case .incomplete = SaslauthdCodec.scan(prefix) else {
                Issue.record("prefix of \(cut) bytes should be incomplete, got \(SaslauthdCodec.scan(prefix))")
                continue
            }
        }
    }

    @Test func partialFifthFieldIsIncomplete() {
        var buffer = Self.counted([Self.bytes("foo"), Self.bytes("pw"), Self.bytes("imap"), []])
        buffer.writeInteger(UInt16(10))
        buffer.writeBytes(Self.bytes("1.2"))
        #expect(SaslauthdCodec.scan(buffer) == .incomplete(completeFields: 4))
    }

    @Test("a length above 256 is refused at once, in any field", arguments: 0..<5)
    func overlongLengthPrefix(field: Int) {
        var buffer = Self.counted(Array(repeating: Self.bytes("x"), count: field))
        buffer.writeInteger(UInt16(257))
        #expect(SaslauthdCodec.scan(buffer) == .fieldTooLong(field: field))
        #expect(SaslauthdRequestError.fieldTooLong(field: field).reason.contains(SaslauthdCodec.fieldNames[field]))
    }

    @Test func maximalFieldsAreAccepted() throws {
        let long = [UInt8](repeating: UInt8(ascii: "a"), count: 256)
        let buffer = Self.counted([long, long, long, long])
        #expect(SaslauthdCodec.scan(buffer) == .fourFields)
        #expect(try SaslauthdCodec.decodeRequest(buffer, fieldCount: 4).get().login.count == 256)
    }

    @Test func garbagePrefixIsTooLong() {
        var buffer = ByteBuffer()
        buffer.writeBytes([0xFF, 0xFF, 0x41, 0x42])
        #expect(SaslauthdCodec.scan(buffer) == .fieldTooLong(field: 0))
    }

    @Test func bytesAfterTheFifthFieldAreRefused() {
        var buffer = Self.counted([Self.bytes("foo"), Self.bytes("pw"), Self.bytes("imap"), [], []])
        buffer.writeBytes([1])
        #expect(SaslauthdCodec.scan(buffer) == .trailingBytes)
    }

    @Test func emptyLoginAndPasswordAreRefused() {
        let noLogin = Self.counted([[], Self.bytes("pw"), Self.bytes("imap"), []])
        #expect(throws: SaslauthdRequestError.refused(.emptyLogin)) { try SaslauthdCodec.decodeRequest(noLogin, fieldCount: 4).get() }
        let noPassword = Self.counted([Self.bytes("foo"), [], Self.bytes("imap"), []])
        #expect(throws: SaslauthdRequestError.refused(.emptyPassword)) { try SaslauthdCodec.decodeRequest(noPassword, fieldCount: 4).get() }
    }

    @Test func invalidUTF8IsRefusedButPasswordBytesAreNotInspected() throws {
        let badLogin = Self.counted([[0x66, 0xC3, 0x28], Self.bytes("pw"), Self.bytes("imap"), []])
        #expect(throws: SaslauthdRequestError.refused(.field("login", .notUTF8))) { try SaslauthdCodec.decodeRequest(badLogin, fieldCount: 4).get() }
        let binaryPassword: [UInt8] = [0xFF, 0x01, 0xC3, 0x28]
        let request = try SaslauthdCodec.decodeRequest(Self.counted([Self.bytes("foo"), binaryPassword, Self.bytes("imap"), []]), fieldCount: 4).get()
        #expect(request.password.withUnsafeBytes { Array($0) } == binaryPassword)
    }

    @Test func controlCharactersInServiceAreRefused() {
        let buffer = Self.counted([Self.bytes("foo"), Self.bytes("pw"), Self.bytes("im\nap"), []])
        #expect(throws: SaslauthdRequestError.refused(.field("service", .controlCharacter))) { try SaslauthdCodec.decodeRequest(buffer, fieldCount: 4).get() }
    }

    @Test func clientRefusesOverlongFields() {
        var buffer = ByteBuffer()
        #expect(throws: SaslauthdRequestError.fieldTooLong(field: 1)) {
            try SaslauthdCodec.encodeRequest(login: "a", password: Secret(String(repeating: "p", count: 257)), service: "", realm: "", clientAddress: nil, into: &buffer)
        }
    }

    @Test func answersRoundTrip() {
        for text in ["OK", "NO authentication failed", "NO temporarily unavailable"] {
            var buffer = ByteBuffer()
            SaslauthdCodec.encodeAnswer(text, into: &buffer)
            #expect(buffer.getInteger(at: 0, as: UInt16.self) == UInt16(text.utf8.count))
            #expect(SaslauthdCodec.decodeAnswer(&buffer) == text)
            #expect(buffer.readableBytes == 0)
        }
        #expect(SaslauthdCodec.isSuccess("OK"))
        #expect(!SaslauthdCodec.isSuccess("NO authentication failed"))
    }

    @Test func partialAnswerIsNotDecoded() {
        var buffer = ByteBuffer()
        SaslauthdCodec.encodeAnswer("NO authentication failed", into: &buffer)
        var partial = buffer.getSlice(at: 0, length: 5)!
        #expect(SaslauthdCodec.decodeAnswer(&partial) == nil)
    }
}
