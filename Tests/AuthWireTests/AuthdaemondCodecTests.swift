import AuthWire
import NIOCore
import Testing

@Suite("authdaemond wire codec")
struct AuthdaemondCodecTests {
    static func scan(_ text: String) -> FrontDoorScan {
        AuthdaemondCodec.scan(ByteBuffer(string: text))
    }

    static func refusal(_ text: String) -> FrontDoorRequestError? {
        if case .refused(let error) = scan(text) { return error }
        return nil
    }

    static func isIncomplete(_ text: String) -> Bool {
        if case .incomplete = scan(text) { return true }
        return false
    }

    /// An AUTH request whose length counts `payload` exactly.
    static func auth(_ payload: String) -> String { "AUTH \(payload.utf8.count)\n" + payload }

    /// Byte for byte what libsasl2 2.1.28 (`authdaemon_build_query`) writes for service smtp,
    /// user foo@example.com, password "p w".
    static let libsasl2Request = "AUTH 31\nsmtp\nlogin\nfoo@example.com\np w\n\n"

    @Test func encodesExactlyAsLibsasl2() throws {
        var buffer = ByteBuffer()
        try AuthdaemondCodec.encodeRequest(service: "smtp", login: "foo@example.com", password: Secret("p w"), into: &buffer)
        #expect(String(buffer: buffer) == Self.libsasl2Request)
    }

    @Test func decodesLibsasl2sRequestAndIgnoresItsTrailingEmptyLine() {
        guard case .request(let request) = Self.scan(Self.libsasl2Request) else {
            Issue.record("libsasl2's request was not recognized")
            return
        }
        #expect(request.service == "smtp")
        #expect(request.login == "foo@example.com")
        #expect(request.password.constantTimeEquals(Secret("p w")))
        // Without the trailing empty line, and without the payload's last newline (Courier
        // documents it as optional), it is the same request.
        guard case .request = Self.scan("AUTH 31\nsmtp\nlogin\nfoo@example.com\np w\n"),
              case .request = Self.scan("AUTH 30\nsmtp\nlogin\nfoo@example.com\np w")
        else {
            Issue.record("a request without the trailing newlines was not recognized")
            return
        }
    }

    @Test func partialRequestsWaitForMore() {
        for prefix in ["", "AUTH", "AUTH 31", "AUTH 31\n", "AUTH 31\nsmtp\nlogin\nfoo@example.com\np"] {
            #expect(Self.isIncomplete(prefix), "\(prefix.debugDescription)")
        }
    }

    @Test func otherCommandsAreRefused() {
        #expect(Self.refusal("PRE . imap foo\n") == .unsupportedCommand("PRE"))
        #expect(Self.refusal("ENUMERATE\n") == .unsupportedCommand("ENUMERATE"))
        #expect(Self.refusal("PASSWD imap\tfoo\told\tnew\t\n") == .unsupportedCommand("PASSWD"))
        #expect(Self.refusal("\n") == .unsupportedCommand("(empty line)"))
        #expect(Self.refusal("auth 5\n") == .unsupportedCommand("auth"))
    }

    @Test func malformedAuthRequestsAreRefused() {
        #expect(Self.refusal("AUTH\n") == .malformed("bad length"))
        #expect(Self.refusal("AUTH x\n") == .malformed("bad length"))
        #expect(Self.refusal("AUTH -5\n") == .malformed("bad length"))
        #expect(Self.refusal("AUTH 0\n") == .malformed("bad length"))
        #expect(Self.refusal("AUTH 99999\n") == .tooLong(field: "request", limit: 1024))
        #expect(Self.refusal(Self.auth("smtp\nlogin\n")) == .malformed("missing lines: expected service, type, user and password"))
        #expect(Self.refusal(Self.auth("smtp\nlogin\nfoo\n")) == .malformed("missing lines: expected service, type, user and password"))
        #expect(Self.refusal(Self.auth("smtp\nlogin\nfoo\npw\nxx\n")) == .malformed("more lines than service, type, user and password"))
        #expect(Self.refusal(Self.auth("imap\ncram-md5\nchallenge\nr\n")) == .unsupportedAuthType("cram-md5"))
        #expect(Self.refusal(Self.auth("smtp\nlogin\n\npw\n")) == .refused(.emptyLogin))
        #expect(Self.refusal(Self.auth("smtp\nlogin\nfoo\n\n")) == .refused(.emptyPassword))
        let longLine = "PRE . imap " + String(repeating: "u", count: 1100)
        #expect(Self.refusal(longLine) == .malformed("command line too long"))
    }

    @Test func answersFollowCourier() {
        let success = AuthdaemondCodec.successAnswer(user: "foo", address: "foo@example.com")
        #expect(success == "USERNAME=foo\nADDRESS=foo@example.com\n.\n")
        #expect(AuthdaemondCodec.decodeAnswer(success) == .accepted)
        #expect(AuthdaemondCodec.decodeAnswer(AuthdaemondCodec.failAnswer) == .failed)
        #expect(AuthdaemondCodec.decodeAnswer("") == .noVerdict)
        #expect(AuthdaemondCodec.decodeAnswer("USERNAME=foo\n") == .noVerdict)
    }
}
