import AuthWire
import NIOCore
import Testing

/// The pwcheck and authdaemond doors: one request, one answer, then a drain until the client
/// closes, as pure transitions.
@Suite("pwcheck and authdaemond doors")
struct PlainDoorTests {
    static func pwcheck() -> PlainDoor<PwcheckFraming> {
        var door = PlainDoor(framing: PwcheckFraming(service: "pwcheck"), readTimeout: .seconds(5), allocator: ByteBufferAllocator())
        door.start()
        _ = door.steps()
        return door
    }

    static func authdaemond() -> PlainDoor<AuthdaemondFraming> {
        var door = PlainDoor(framing: AuthdaemondFraming(), readTimeout: .seconds(5), allocator: ByteBufferAllocator())
        door.start()
        _ = door.steps()
        return door
    }

    static func auth(_ body: String) -> ByteBuffer {
        ByteBuffer(string: "AUTH \(body.utf8.count)\n\(body)\n")
    }

    @Test func aPwcheckAnswerIsFollowedByAHalfCloseAndADrain() {
        var door = Self.pwcheck()
        door.receive(ByteBuffer(string: "foo@example.com\u{0}pw\u{0}"))
        #expect(door.steps() == [.timer(nil), .check(0, login: "foo@example.com", service: "pwcheck", realm: "", address: nil)])
        door.finished(.only, Bytes.verdictNO)
        #expect(door.steps() == [.send("authentication failed"), .closeOutput, .timer(.seconds(5))])
        door.receive(ByteBuffer(string: "late bytes"))
        #expect(door.steps().isEmpty, "drained, not a second request")
        door.inputEnded()
        #expect(door.steps() == [.timer(nil), .close])
    }

    @Test func aDrainThatNeverEndsIsCutAtItsDeadlineOrItsSize() {
        var door = Self.pwcheck()
        door.receive(ByteBuffer(string: "foo\u{0}pw\u{0}"))
        door.finished(.only, Bytes.verdictOK)
        _ = door.steps()
        door.timerFired()
        #expect(door.steps() == [.timer(nil), .close])
        var flood = Self.pwcheck()
        flood.receive(ByteBuffer(string: "foo\u{0}pw\u{0}"))
        flood.finished(.only, Bytes.verdictOK)
        _ = flood.steps()
        flood.receive(ByteBuffer(bytes: [UInt8](repeating: 1, count: 70_000)))
        #expect(flood.steps() == [.timer(nil), .close])
    }

    @Test func aClientThatClosedFirstIsClosedRightAfterTheAnswer() {
        var door = Self.pwcheck()
        door.receive(ByteBuffer(string: "foo\u{0}pw\u{0}"))
        door.inputEnded()
        _ = door.steps()
        door.finished(.only, Bytes.verdictOK)
        #expect(door.steps() == [.send("OK"), .timer(nil), .close])
    }

    @Test func pwcheckRefusalsTellTheReasonAndDrain() {
        var door = Self.pwcheck()
        door.receive(ByteBuffer(string: "foo\u{0}pw\u{0}more"))
        #expect(door.steps() == [.refused("malformed request (data after the password)"), .send("malformed request (data after the password)"), .closeOutput, .timer(.seconds(5))])
    }

    @Test func anOverlongRequestIsRefusedWithoutWaitingForTheRest() {
        var door = Self.pwcheck()
        door.receive(ByteBuffer(bytes: [UInt8](repeating: 0x61, count: 600)))
        #expect(door.steps().first == .refused("login too long (at most 256 bytes)"))
    }

    @Test func authdaemondAnswersLikeCourier() {
        var ok = Self.authdaemond()
        ok.receive(Self.auth("imap\nlogin\nfoo@example.com\npw\n"))
        #expect(ok.steps() == [.timer(nil), .check(0, login: "foo@example.com", service: "imap", realm: "", address: nil)])
        ok.finished(.only, Bytes.verdictOK)
        #expect(ok.steps() == [.send("USERNAME=foo\nADDRESS=foo@example.com\n.\n"), .closeOutput, .timer(.seconds(5))])

        var down = Self.authdaemond()
        down.receive(Self.auth("imap\nlogin\nfoo\npw\n"))
        _ = down.steps()
        down.finished(.only, Bytes.verdictDown)
        #expect(down.steps() == [.closeOutput, .timer(.seconds(5))], "a temporary failure closes without an answer")

        var refused = Self.authdaemond()
        refused.receive(ByteBuffer(string: "ENUMERATE\n"))
        #expect(refused.steps() == [.refused("unsupported command ENUMERATE"), .send("FAIL\n"), .closeOutput, .timer(.seconds(5))])
    }

    @Test func silenceAndIncompleteRequestsEndAsOnEveryDoor() {
        var silent = Self.authdaemond()
        silent.timerFired()
        #expect(silent.steps() == [.timer(nil), .close])
        var partial = Self.pwcheck()
        partial.receive(ByteBuffer(string: "foo\u{0}p"))
        partial.inputEnded()
        #expect(partial.steps() == [.refused("incomplete request"), .send("incomplete request"), .timer(nil), .close])
    }

    @Test func isIdleOnlyWhileWaitingForTheRequest() {
        var door = Self.pwcheck()
        #expect(door.isIdle)
        door.receive(ByteBuffer(string: "foo\u{0}pw\u{0}"))
        #expect(!door.isIdle)
        door.finished(.only, Bytes.verdictOK)
        #expect(!door.isIdle)
    }
}
