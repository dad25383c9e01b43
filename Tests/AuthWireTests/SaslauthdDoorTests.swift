import AuthWire
import NIOCore
import Testing

/// The saslauthd door as a pure state machine: every transition without a socket.
@Suite("saslauthd door")
struct SaslauthdDoorTests {
    static func door(grace: TimeAmount = .zero, waits: Bool = true) -> SaslauthdDoor {
        var door = SaslauthdDoor(
            settings: SaslauthdDoor.Settings(readTimeout: .seconds(5), addressGrace: grace, waitsForAddress: { _ in waits }),
            allocator: ByteBufferAllocator())
        door.start()
        return door
    }

    @Test func startArmsTheReadDeadline() {
        var door = Self.door()
        #expect(door.steps() == [.timer(.seconds(5))])
        #expect(door.isIdle && door.isOneShot)
    }

    @Test func fourFieldsAskForACheckAndTheAnswerCloses() {
        var door = Self.door()
        _ = door.steps()
        door.receive(Bytes.counted(["foo", "pw", "imap", "example.com"]))
        #expect(door.steps() == [.timer(nil), .check(0, login: "foo", service: "imap", realm: "example.com", address: nil)])
        #expect(!door.isIdle)
        door.finished(.only, Bytes.verdictOK)
        #expect(door.steps(counted: true) == [.timer(nil), .send("OK"), .close])
    }

    @Test(arguments: [(DoorVerdict.Result.failed, "NO authentication failed"), (.unavailable, "NO temporarily unavailable")])
    func failuresAreAnsweredWithTheUsualTexts(_ result: DoorVerdict.Result, _ text: String) {
        var door = Self.door()
        door.receive(Bytes.counted(["foo", "pw", "imap", ""]))
        _ = door.steps()
        door.finished(.only, DoorVerdict(result: result, user: "foo", realm: ""))
        #expect(door.steps(counted: true) == [.timer(nil), .send(text), .close])
    }

    @Test func fiveFieldsCarryTheClientAddress() {
        var door = Self.door()
        _ = door.steps()
        door.receive(Bytes.counted(["foo", "pw", "imap", "", "192.0.2.1;4242"]))
        #expect(door.steps() == [.timer(nil), .check(0, login: "foo", service: "imap", realm: "", address: "192.0.2.1;4242")])
    }

    @Test func aRequestInPiecesIsAssembled() {
        var door = Self.door()
        _ = door.steps()
        let whole = Bytes.counted(["foo", "pw", "imap", "example.com"])
        for offset in stride(from: 0, to: whole.readableBytes, by: 3) {
            door.receive(whole.getSlice(at: offset, length: min(3, whole.readableBytes - offset))!)
            if offset + 3 < whole.readableBytes { #expect(door.steps().isEmpty, "answered at \(offset)") }
        }
        #expect(door.steps() == [.timer(nil), .check(0, login: "foo", service: "imap", realm: "example.com", address: nil)])
    }

    @Test func anOverlongFieldIsRefusedAtItsLengthWithoutWaiting() {
        var door = Self.door()
        _ = door.steps()
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt16(257))
        door.receive(buffer)
        #expect(door.steps(counted: true) == [
            .refused("login too long (at most 256 bytes)"), .timer(nil), .send("NO login too long (at most 256 bytes)"), .close,
        ])
    }

    @Test func bytesAfterTheFifthFieldAreRefused() {
        var door = Self.door()
        _ = door.steps()
        var buffer = Bytes.counted(["foo", "pw", "imap", "", ""])
        buffer.writeInteger(UInt8(1))
        door.receive(buffer)
        #expect(door.steps(counted: true).first == .refused("malformed request (data after the last field)"))
    }

    @Test func moreThanAnyRequestHoldsIsRefusedAtOnce() {
        var door = Self.door()
        _ = door.steps()
        door.receive(ByteBuffer(bytes: [UInt8](repeating: 0, count: SaslauthdDoor.maxRequestBytes + 1)))
        #expect(door.steps(counted: true).contains(.send("NO malformed request (data after the last field)")))
    }

    @Test func theRulesOfEveryDoorApply() {
        var door = Self.door()
        _ = door.steps()
        door.receive(Bytes.counted(["fo\u{200B}o", "pw", "imap", ""]))
        #expect(door.steps(counted: true) == [
            .refused("login contains an invisible character (U+200B)"), .timer(nil),
            .send("NO login contains an invisible character (U+200B)"), .close,
        ])
    }

    @Test func aRequestRejectedAfterItsCheckWasAskedForIsAnsweredWithTheReason() {
        var door = Self.door()
        door.receive(Bytes.counted(["@example.com", "pw", "imap", ""]))
        _ = door.steps()
        door.rejected(.only, reason: "empty user name")
        #expect(door.steps(counted: true) == [.refused("empty user name"), .timer(nil), .send("NO empty user name"), .close])
    }

    @Test func silenceUntilTheDeadlineClosesWithoutAnswer() {
        var door = Self.door()
        _ = door.steps()
        door.timerFired()
        #expect(door.steps() == [.timer(nil), .close])
    }

    @Test func halfARequestAtTheDeadlineOrAtEndOfInputIsIncomplete() {
        for end in [true, false] {
            var door = Self.door()
            _ = door.steps()
            door.receive(Bytes.counted(["foo", "pw"]))
            if end { door.inputEnded() } else { door.timerFired() }
            #expect(door.steps(counted: true) == [.refused("incomplete request"), .timer(nil), .send("NO incomplete request"), .close])
        }
    }

    @Test func quiescingClosesOnlyAConnectionThatSentNothing() {
        var silent = Self.door()
        _ = silent.steps()
        silent.quiesce()
        #expect(silent.steps() == [.timer(nil), .close])
        var started = Self.door()
        _ = started.steps()
        started.receive(Bytes.counted(["foo"]))
        started.quiesce()
        #expect(started.steps().isEmpty, "a request under way is allowed to finish")
    }

    /// With a grace period and a route that uses the client address, four fields wait for a
    /// fifth; one that arrives is used, and without one the check starts when the grace ends.
    @Test func theGraceRuleWaitsForAFifthField() {
        var door = Self.door(grace: .milliseconds(50))
        _ = door.steps()
        door.receive(Bytes.counted(["foo", "pw", "imap", ""]))
        #expect(door.steps() == [.timer(.milliseconds(50))])
        door.receive(Bytes.counted(["10.0.0.1;25"]))
        #expect(door.steps() == [.timer(nil), .check(0, login: "foo", service: "imap", realm: "", address: "10.0.0.1;25")])

        var late = Self.door(grace: .milliseconds(50))
        _ = late.steps()
        late.receive(Bytes.counted(["foo", "pw", "imap", ""]))
        _ = late.steps()
        late.timerFired()
        #expect(late.steps() == [.timer(nil), .check(0, login: "foo", service: "imap", realm: "", address: nil)])
    }

    @Test func aRouteThatIgnoresTheAddressNeverWaits() {
        var door = Self.door(grace: .milliseconds(50), waits: false)
        _ = door.steps()
        door.receive(Bytes.counted(["foo", "pw", "imap", ""]))
        #expect(door.steps() == [.timer(nil), .check(0, login: "foo", service: "imap", realm: "", address: nil)])
    }

    @Test func bytesAfterTheCheckStartedAreIgnored() {
        var door = Self.door()
        door.receive(Bytes.counted(["foo", "pw", "imap", ""]))
        _ = door.steps()
        door.receive(Bytes.counted(["junk"]))
        door.inputEnded()
        door.timerFired()
        #expect(door.steps().isEmpty)
        door.finished(.only, Bytes.verdictNO)
        #expect(door.steps(counted: true) == [.timer(nil), .send("NO authentication failed"), .close])
    }
}
