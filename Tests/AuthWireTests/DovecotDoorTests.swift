import AuthWire
import NIOCore
import Testing

/// Dovecot's auth protocol as a pure state machine: handshakes in either order, interleaved
/// requests answered as they finish, CANCEL, PLAIN and LOGIN, escapes, limits and violations.
@Suite("dovecot door")
struct DovecotDoorTests {
    static let greeting = "VERSION\t1\t2\nMECH\tPLAIN\tplaintext\nMECH\tLOGIN\tplaintext\nSPID\t4242\nCUID\t7\n"
        + "COOKIE\t0123456789abcdef0123456789abcdef\nDONE\n"

    static func door(maxRequests: Int = 32) -> DovecotDoor {
        let settings = DovecotDoor.Settings(
            readTimeout: .seconds(5), serverPID: 4242, cookie: "0123456789abcdef0123456789abcdef", maxRequests: maxRequests)
        var door = DovecotDoor(settings: settings, connectionID: 7, allocator: ByteBufferAllocator())
        door.start()
        return door
    }

    /// A door that has sent its greeting and read the client's handshake.
    static func ready(maxRequests: Int = 32) -> DovecotDoor {
        var door = door(maxRequests: maxRequests)
        _ = door.steps()
        door.receive(ByteBuffer(string: "VERSION\t1\t2\nCPID\t99\n"))
        #expect(door.steps().isEmpty)
        return door
    }

    static func base64(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        SASLBase64.encode(bytes, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func plain(_ authzid: String, _ authcid: String, _ password: String) -> String {
        base64(Array(authzid.utf8) + [0] + Array(authcid.utf8) + [0] + Array(password.utf8))
    }

    /// The password of the one check among `door`'s queued actions, with the other steps.
    static func stepsAndPassword(_ door: inout DovecotDoor) -> ([Step], [UInt8]?) {
        var steps: [Step] = []
        var password: [UInt8]?
        while let action = door.nextAction() {
            if case .check(_, let request) = action { password = request.password.withUnsafeBytes { Array($0) } }
            steps.append(Step(action))
        }
        return (steps, password)
    }

    @Test func theGreetingGoesOutAtOnceAndNothingWaitsForTheClient() {
        var door = Self.door()
        #expect(door.steps() == [.send(Self.greeting)])
        #expect(door.isIdle && !door.isOneShot)
    }

    @Test(arguments: ["VERSION\t1\t2\nCPID\t99\n", "CPID\t99\nVERSION\t1\t2\n"])
    func theClientsHandshakeMayComeBeforeOrAfterTheGreetingAndInEitherOrder(_ handshake: String) {
        var early = DovecotDoor(
            settings: DovecotDoor.Settings(readTimeout: .seconds(5), serverPID: 1, cookie: "c"), connectionID: 1, allocator: ByteBufferAllocator())
        // Bytes that arrived before the door started (the client wrote first) are read after it.
        early.start()
        early.receive(ByteBuffer(string: handshake + "AUTH\t1\tPLAIN\tservice=smtp\tresp=\(Self.plain("", "foo", "pw"))\n"))
        let steps = early.steps()
        #expect(steps.count == 2)
        #expect(steps.last == .check(1, login: "foo", service: "smtp", realm: "", address: nil))
    }

    @Test func plainWithAnInitialResponseAsksForACheckAndOKCarriesTheQualifiedUser() {
        var door = Self.ready()
        door.receive(ByteBuffer(string: "AUTH\t1\tPLAIN\tservice=smtp\tnologin\tlip=127.0.0.1\trip=192.0.2.9\tsecured\tresp=\(Self.plain("", "foo", "s3cr\u{E9}t"))\n"))
        let (steps, password) = Self.stepsAndPassword(&door)
        #expect(steps == [.check(1, login: "foo", service: "smtp", realm: "", address: "192.0.2.9")])
        #expect(password == Array("s3cr\u{E9}t".utf8))
        #expect(!door.isIdle)
        door.finished(RequestID(1), Bytes.verdictOK)
        #expect(door.steps() == [.send("OK\t1\tuser=foo@example.com\n")])
        #expect(door.isIdle)
    }

    @Test func answersCarryTheRequestIDInDecimalWhateverItsLength() {
        var door = Self.ready()
        for id in [UInt32(0), 7, 10, 99, 100, 123_456, UInt32.max] {
            door.receive(ByteBuffer(string: "AUTH\t\(id)\tPLAIN\tservice=smtp\tresp=\(Self.plain("", "foo", "pw"))\n"))
            #expect(door.steps() == [.check(id, login: "foo", service: "smtp", realm: "", address: nil)])
            door.finished(RequestID(id), Bytes.verdictOK)
            #expect(door.steps() == [.send("OK\t\(id)\tuser=foo@example.com\n")])
        }
    }

    @Test func ripAndRportMakeTheClientAddress() {
        var door = Self.ready()
        door.receive(ByteBuffer(string: "AUTH\t3\tPLAIN\tservice=imap\trip=2001:db8::1\trport=50123\tresp=\(Self.plain("", "foo", "pw"))\n"))
        #expect(door.steps() == [.check(3, login: "foo", service: "imap", realm: "", address: "2001:db8::1;50123")])
    }

    @Test func requestsInterleaveAndAreAnsweredAsTheyFinish() {
        var door = Self.ready()
        door.receive(ByteBuffer(string: "AUTH\t1\tPLAIN\tservice=smtp\tresp=\(Self.plain("", "slow", "pw"))\n"
            + "AUTH\t2\tPLAIN\tservice=smtp\tresp=\(Self.plain("", "fast", "pw"))\n"))
        #expect(door.steps() == [
            .check(1, login: "slow", service: "smtp", realm: "", address: nil), .check(2, login: "fast", service: "smtp", realm: "", address: nil),
        ])
        door.finished(RequestID(2), Bytes.verdictNO)
        #expect(door.steps() == [.send("FAIL\t2\tuser=foo@example.com\n")])
        door.finished(RequestID(1), Bytes.verdictDown)
        #expect(door.steps() == [.send("FAIL\t1\tuser=foo@example.com\tcode=temp_fail\treason=temporarily unavailable\n")])
        // An id is unique among the requests open at once; a finished one may be used again.
        door.receive(ByteBuffer(string: "AUTH\t1\tPLAIN\tservice=smtp\tresp=\(Self.plain("", "again", "pw"))\n"))
        #expect(door.steps() == [.check(1, login: "again", service: "smtp", realm: "", address: nil)])
    }

    @Test func plainWithoutAnInitialResponseGetsAnEmptyChallenge() {
        for auth in ["AUTH\t5\tPLAIN\tservice=smtp\n", "AUTH\t5\tPLAIN\tservice=smtp\tresp=\n"] {
            var door = Self.ready()
            door.receive(ByteBuffer(string: auth))
            #expect(door.steps() == [.send("CONT\t5\t\n"), .timer(.seconds(5))], "\(auth)")
            door.receive(ByteBuffer(string: "CONT\t5\t\(Self.plain("foo", "foo", "pw"))\n"))
            #expect(door.steps() == [.check(5, login: "foo", service: "smtp", realm: "", address: nil), .timer(nil)])
        }
    }

    @Test func loginAsksForTheUserThenThePassword() {
        var door = Self.ready()
        door.receive(ByteBuffer(string: "AUTH\t9\tLOGIN\tservice=smtp\n"))
        #expect(door.steps() == [.send("CONT\t9\t\(Self.base64(Array("Username:".utf8)))\n"), .timer(.seconds(5))])
        #expect(!door.isIdle)
        door.receive(ByteBuffer(string: "CONT\t9\t\(Self.base64(Array("foo@example.com".utf8)))\n"))
        #expect(door.steps() == [.send("CONT\t9\t\(Self.base64(Array("Password:".utf8)))\n"), .timer(.seconds(5))])
        door.receive(ByteBuffer(string: "CONT\t9\t\(Self.base64(Array("pass word".utf8)))\n"))
        let (steps, password) = Self.stepsAndPassword(&door)
        #expect(steps == [.check(9, login: "foo@example.com", service: "smtp", realm: "", address: nil), .timer(nil)])
        #expect(password == Array("pass word".utf8))
    }

    @Test func loginsInitialResponseIsTheUser() {
        var door = Self.ready()
        door.receive(ByteBuffer(string: "AUTH\t9\tLOGIN\tservice=smtp\tresp=\(Self.base64(Array("foo".utf8)))\n"))
        #expect(door.steps() == [.send("CONT\t9\t\(Self.base64(Array("Password:".utf8)))\n"), .timer(.seconds(5))])
    }

    @Test func cancelWithdrawsACheckInFlightAndAChallenge() {
        var door = Self.ready()
        door.receive(ByteBuffer(string: "AUTH\t1\tPLAIN\tservice=smtp\tresp=\(Self.plain("", "foo", "pw"))\nAUTH\t2\tLOGIN\tservice=smtp\n"))
        _ = door.steps()
        door.receive(ByteBuffer(string: "CANCEL\t1\nCANCEL\t2\nCANCEL\t77\n"))
        #expect(door.steps() == [.cancel(1), .timer(nil)])
        door.finished(RequestID(1), Bytes.verdictOK)
        #expect(door.steps().isEmpty, "a cancelled request was answered")
        #expect(door.isIdle)
        // A CONT for a request that is gone says so.
        door.receive(ByteBuffer(string: "CONT\t2\tZm9v\n"))
        #expect(door.steps() == [.refused("no such request"), .send("FAIL\t2\treason=no such request\n")])
    }

    @Test func escapedFieldsAreReadAndWritten() {
        var door = Self.ready()
        // An escape before a letter that names nothing stands for the letter.
        door.receive(ByteBuffer(string: "AUTH\t1\tPLAIN\tservice=im\u{1}ap\tresp=\(Self.plain("", "foo", "pw"))\n"))
        #expect(door.steps() == [.check(1, login: "foo", service: "imap", realm: "", address: nil)])
        var odd = DovecotEscaping.unescape(Array("x\u{1}0y\u{1}rz\u{1}n\u{1}q\u{1}".utf8))
        #expect(odd == [UInt8(ascii: "x"), 0, UInt8(ascii: "y"), 13, UInt8(ascii: "z"), 10, UInt8(ascii: "q")])
        odd = []
        DovecotEscaping.escape([9, 10, 13, 0, 1, 65], into: &odd)
        #expect(odd == Array("\u{1}t\u{1}n\u{1}r\u{1}0\u{1}1A".utf8))
        // In place (as answers are formatted), every byte as into an array, within the room
        // of twice the field's length.
        for byte in UInt8.min...UInt8.max {
            let field = [UInt8(ascii: "a"), byte, UInt8(ascii: "b")]
            var viaArray: [UInt8] = []
            DovecotEscaping.escape(field, into: &viaArray)
            var inPlace = [UInt8](repeating: 0, count: 1 + 2 * field.count)
            let end = inPlace.withUnsafeMutableBytes { out in field.withUnsafeBytes { DovecotEscaping.escape($0, into: out, at: 1) } }
            #expect(Array(inPlace[1..<end]) == viaArray, "byte \(byte)")
        }
        // The user in OK is escaped.
        door.finished(RequestID(1), DoorVerdict(result: .ok, user: "a\tb", realm: ""))
        #expect(door.steps() == [.send("OK\t1\tuser=a\u{1}tb\n")])
    }

    @Test func aRequestThatIsMerelyWrongGetsFAILAndTheConnectionGoesOn() {
        let cases: [(String, String)] = [
            ("resp=Zm9v!", "invalid base64"),
            ("resp=\(Self.plain("", "foo", "pw").dropLast())", "invalid base64"),
            ("resp=\(Self.base64(Array("foo".utf8)))", "a PLAIN message without its two NUL separators"),
            ("resp=\(Self.plain("admin", "foo", "pw"))", "an authorization identity other than the login"),
            ("resp=\(Self.plain("", "", "pw"))", "empty login"),
            ("resp=\(Self.base64([0] + Array("foo".utf8) + [0, 0x70, 0, 0x77]))", "password contains a NUL byte"),
        ]
        for (parameter, reason) in cases {
            var door = Self.ready()
            door.receive(ByteBuffer(string: "AUTH\t4\tPLAIN\tservice=smtp\t\(parameter)\n"))
            let steps = door.steps()
            #expect(steps.count == 2 && steps.last == .send("FAIL\t4\treason=\(steps.first.map { if case .refused(let r) = $0 { r } else { "" } } ?? "")\n"), "\(steps)")
            if case .refused(let said) = steps.first {
                #expect(said.contains(reason), "\(parameter): \(said)")
            } else {
                Issue.record("\(parameter): \(steps)")
            }
            door.receive(ByteBuffer(string: "AUTH\t5\tPLAIN\tservice=smtp\tresp=\(Self.plain("", "foo", "pw"))\n"))
            #expect(door.steps() == [.check(5, login: "foo", service: "smtp", realm: "", address: nil)], "after \(parameter)")
        }
    }

    @Test func protocolViolationsDisconnect() {
        let cases: [(String, String)] = [
            ("AUTH\t1\tCRAM-MD5\tservice=smtp\n", "unsupported mechanism"),
            ("AUTH\t1\tPLAIN\tresp=Zm9v\n", "AUTH without service="),
            ("AUTH\tx\tPLAIN\tservice=smtp\n", "AUTH without a request id"),
            ("AUTH\t4294967296\tPLAIN\tservice=smtp\n", "AUTH without a request id"),
            ("HELLO\n", "unknown command"),
            ("VERSION\t2\t0\n", "unsupported protocol version"),
        ]
        for (line, what) in cases {
            var door = Self.ready()
            door.receive(ByteBuffer(string: line))
            let steps = door.steps()
            #expect(steps.last == .close, "\(line): \(steps)")
            #expect(steps.contains { if case .refused(let reason) = $0 { reason.contains(what) } else { false } }, "\(line): \(steps)")
        }
    }

    @Test func aDuplicateIdDisconnectsAndDropsTheChecksInFlight() {
        var door = Self.ready()
        let auth = "AUTH\t1\tPLAIN\tservice=smtp\tresp=\(Self.plain("", "foo", "pw"))\n"
        door.receive(ByteBuffer(string: auth))
        _ = door.steps()
        door.receive(ByteBuffer(string: auth))
        #expect(door.steps() == [.refused("protocol violation: a duplicate request id 1"), .cancel(1), .close])
        door.finished(RequestID(1), Bytes.verdictOK)
        #expect(door.steps().isEmpty)
    }

    @Test func authBeforeVersionDisconnects() {
        var door = Self.door()
        _ = door.steps()
        door.receive(ByteBuffer(string: "CPID\t1\nAUTH\t1\tPLAIN\tservice=smtp\n"))
        #expect(door.steps() == [.refused("protocol violation: AUTH before VERSION"), .close])
    }

    @Test func aLineOverTheCapDisconnectsWhetherOrNotItsEndArrived() {
        var unfinished = Self.ready()
        unfinished.receive(ByteBuffer(string: String(repeating: "A", count: DovecotDoor.maxLineBytes)))
        #expect(unfinished.steps() == [.refused("protocol violation: a line longer than 16384 bytes"), .close])
        var whole = Self.ready()
        whole.receive(ByteBuffer(string: "AUTH\t1\tPLAIN\tservice=smtp\tresp=" + String(repeating: "A", count: DovecotDoor.maxLineBytes) + "\n"))
        #expect(whole.steps() == [.refused("protocol violation: a line longer than 16384 bytes"), .close])
    }

    @Test func aLineInPiecesIsAssembledUnderTheReadDeadline() {
        var door = Self.ready()
        let line = "AUTH\t1\tPLAIN\tservice=smtp\tresp=\(Self.plain("", "foo", "pw"))\n"
        door.receive(ByteBuffer(string: String(line.prefix(10))))
        #expect(door.steps() == [.timer(.seconds(5))])
        #expect(!door.isIdle)
        door.receive(ByteBuffer(string: String(line.dropFirst(10))))
        #expect(door.steps() == [.check(1, login: "foo", service: "smtp", realm: "", address: nil), .timer(nil)])
    }

    @Test func theReadDeadlineEndsAnUnfinishedLineAndAnUnansweredChallenge() {
        var partial = Self.ready()
        partial.receive(ByteBuffer(string: "AUTH\t1"))
        _ = partial.steps()
        partial.timerFired()
        #expect(partial.steps() == [.refused("protocol violation: a line not finished within the read timeout"), .close])

        var silent = Self.ready()
        silent.receive(ByteBuffer(string: "AUTH\t2\tLOGIN\tservice=smtp\n"))
        _ = silent.steps()
        silent.timerFired()
        let reason = "no answer to the challenge within the read timeout"
        #expect(silent.steps() == [.refused(reason), .send("FAIL\t2\treason=\(reason)\n")])
        #expect(silent.isIdle)
    }

    @Test func pastTheCapARequestGetsATemporaryFailure() {
        var door = Self.ready(maxRequests: 1)
        door.receive(ByteBuffer(string: "AUTH\t1\tPLAIN\tservice=smtp\tresp=\(Self.plain("", "foo", "pw"))\nAUTH\t2\tPLAIN\tservice=smtp\tresp=\(Self.plain("", "foo", "pw"))\n"))
        let reason = "more than 1 requests at once on one connection"
        #expect(door.steps() == [
            .check(1, login: "foo", service: "smtp", realm: "", address: nil), .refused(reason),
            .send("FAIL\t2\tcode=temp_fail\treason=\(reason)\n"),
        ])
    }

    @Test func theEndOfInputWaitsForChecksInFlightThenCloses() {
        var door = Self.ready()
        door.receive(ByteBuffer(string: "AUTH\t1\tPLAIN\tservice=smtp\tresp=\(Self.plain("", "foo", "pw"))\nAUTH\t2\tLOGIN\tservice=smtp\n"))
        _ = door.steps()
        door.inputEnded()
        #expect(door.steps() == [.refused("the client closed the connection"), .send("FAIL\t2\treason=the client closed the connection\n")])
        door.finished(RequestID(1), Bytes.verdictOK)
        #expect(door.steps() == [.send("OK\t1\tuser=foo@example.com\n"), .timer(nil), .close])
    }

    @Test func stoppingAnswersWhatIsInFlightAndRefusesNewRequests() {
        var door = Self.ready()
        door.receive(ByteBuffer(string: "AUTH\t1\tPLAIN\tservice=smtp\tresp=\(Self.plain("", "foo", "pw"))\n"))
        _ = door.steps()
        door.quiesce()
        #expect(door.steps().isEmpty)
        door.receive(ByteBuffer(string: "AUTH\t2\tPLAIN\tservice=smtp\tresp=\(Self.plain("", "foo", "pw"))\n"))
        #expect(door.steps() == [.refused("the server is shutting down"), .send("FAIL\t2\tcode=temp_fail\treason=the server is shutting down\n")])
        door.finished(RequestID(1), Bytes.verdictNO)
        #expect(door.steps() == [.send("FAIL\t1\tuser=foo@example.com\n"), .close])

        var idle = Self.ready()
        idle.quiesce()
        #expect(idle.steps() == [.close])
    }

    @Test func aRefusalFromTheRealmRulesIsAFailureWithItsReason() {
        var door = Self.ready()
        door.receive(ByteBuffer(string: "AUTH\t1\tPLAIN\tservice=smtp\tresp=\(Self.plain("", "@example.com", "pw"))\n"))
        _ = door.steps()
        door.rejected(RequestID(1), reason: "no user before the realm")
        #expect(door.steps() == [.refused("no user before the realm"), .send("FAIL\t1\treason=no user before the realm\n")])
    }
}
