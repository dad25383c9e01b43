@testable import AuthDaemon
import AuthCore
import AuthWire
import Foundation
import SocketTestSupport
import Testing

/// Which path `DoorSession` takes for each kind of connection, seen through `ServingCounters`
/// on the daemon's own serving code in this process: the real daemon's answers are the
/// IntegrationTests' business, the path they took is this suite's.
@Suite("Door sessions: the path each connection takes", .timeLimit(.minutes(1)))
struct DoorPathTests {
    typealias Server = InProcessServer

    static func request(_ user: String, _ password: String, address: String? = nil) -> [UInt8] {
        RawSaslauthdClient.encode([user, password, "imap", "example.com"] + (address.map { [$0] } ?? []))
    }

    /// One blocking exchange on a thread of its own.
    static func exchange(_ server: Server, _ bytes: [UInt8]) async throws -> SaslauthdReply {
        let path = server.path
        return try await OwnThread.run {
            let client = try RawSaslauthdClient(socketPath: path)
            try client.send(bytes)
            return try client.blockingReadReply()
        }
    }

    @Test func aCompleteRequestIsAnsweredByTheThreadThatAcceptedIt() async throws {
        try await Server.with(backend: HarnessBackend(path: .answersNow)) { server in
            let accepted = try await Self.exchange(server, Self.request("alice", "right"))
            #expect(accepted == .answer("OK"))
            let rejected = try await Self.exchange(server, Self.request("alice", "wrong"))
            #expect(rejected == .answer("NO authentication failed"))
            #expect(server.counters.value(.answeredOnAcceptThread) == 2)
            #expect(server.counters.value(.handedToEventLoop) == 0)
            #expect(server.backend.subjects.count == 2)
        }
    }

    @Test func aRequestStillArrivingIsFinishedOnAnEventLoop() async throws {
        try await Server.with(backend: HarnessBackend(path: .answersNow)) { server in
            let path = server.path
            let reply = try await OwnThread.run { () -> SaslauthdReply in
                let client = try RawSaslauthdClient(socketPath: path)
                let request = Self.request("alice", "right")
                try client.send(Array(request.prefix(7)))
                // The rest is sent once the first part has been read alone.
                try server.waitUntil("the first part handed to an event loop") { server.counters.value(.handedToEventLoop) == 1 }
                try client.send(Array(request.dropFirst(7)))
                return try client.blockingReadReply()
            }
            #expect(reply == .answer("OK"))
            #expect(server.counters.value(.handedToEventLoop) == 1)
            #expect(server.counters.value(.answeredOnAcceptThread) == 0)
        }
    }

    @Test func aMalformedRequestIsRefusedByTheThreadThatAcceptedIt() async throws {
        try await Server.with(backend: HarnessBackend(path: .answersNow)) { server in
            let reply = try await Self.exchange(server, RawSaslauthdClient.encode(["", "right", "imap", "example.com"]))
            #expect(reply.isNO, "\(reply)")
            #expect(server.counters.value(.refusedOnAcceptThread) == 1)
            #expect(server.counters.value(.handedToEventLoop) == 0)
            #expect(server.backend.subjects.isEmpty, "a refused request reached the store")
        }
    }

    @Test func aBackendThreadWritesTheAnswerItself() async throws {
        try await Server.with(backend: HarnessBackend(path: .ownThread)) { server in
            let reply = try await Self.exchange(server, Self.request("alice", "right"))
            #expect(reply == .answer("OK"))
            #expect(server.counters.value(.answeredFromBackendThread) == 1)
            #expect(server.counters.value(.handedToEventLoop) == 0)
        }
    }

    /// An answer that arrives from a backend's thread while the accepting thread is still busy
    /// with the connection is sent all the same, once, and the connection then closes: whoever
    /// holds the connection's actions at that moment carries them out.
    @Test func anAnswerArrivingWhileTheAcceptingThreadIsBusyIsSent() async throws {
        try await Server.with(backend: HarnessBackend(path: .answersBeforeReturning)) { server in
            let path = server.path
            for (password, expected) in [("right", "OK"), ("wrong", "NO authentication failed")] {
                let received = try await OwnThread.run { () -> [UInt8] in
                    let client = try RawSaslauthdClient(socketPath: path)
                    try client.send(Self.request("alice", password))
                    return try client.blockingReadToEnd()
                }
                #expect(received == RawSaslauthdClient.encode([expected]), "\(received)")
            }
            #expect(server.counters.value(.answeredFromBackendThread) == 2)
            #expect(server.counters.value(.handedToEventLoop) == 0)
        }
    }

    /// The failure delay is a timer on an event loop: the connection stays a bare socket and no
    /// thread waits. The delay's length is FailureDelayTests' and the integration tests' matter.
    @Test(arguments: [HarnessBackend.Path.answersNow, .ownThread])
    func aFailureIsHeldOnATimer(path: HarnessBackend.Path) async throws {
        var options = Server.Options()
        options.failureDelay = FailureDelay(floor: .milliseconds(200))
        try await Server.with(options, backend: HarnessBackend(path: path)) { server in
            let rejected = try await Self.exchange(server, Self.request("alice", "wrong"))
            #expect(rejected == .answer("NO authentication failed"))
            #expect(server.counters.value(.answeredAfterDelay) == 1)
            #expect(server.counters.value(.handedToEventLoop) == 0)
            // An acceptance is never held.
            let accepted = try await Self.exchange(server, Self.request("alice", "right"))
            #expect(accepted == .answer("OK"))
            #expect(server.counters.value(.answeredAfterDelay) == 1)
        }
    }

    /// On the Dovecot door a failure is sent within 9 s of its request however long the delay
    /// it earned: Postfix stops waiting for an answer after 10 s. (The receive timeout, 15 s, is
    /// shorter than the 20 s delay: without the limit the read fails.)
    /// The check's log line is written after its answer has gone out, whichever thread answers:
    /// the client does not wait for the line. Here every line is held until the client has read
    /// its answer.
    @Test(arguments: [HarnessBackend.Path.answersNow, .ownThread])
    func theAnswerGoesOutBeforeItsLogLine(path: HarnessBackend.Path) async throws {
        let lines = HeldCheckLines()
        var options = Server.Options()
        options.logger = lines.logger
        defer { lines.release() }
        try await Server.with(options, backend: HarnessBackend(path: path)) { server in
            let reply: SaslauthdReply
            do {
                reply = try await Self.exchange(server, Self.request("alice", "right"))
            } catch {
                // The line held the answer back: let it go so that the server can stop.
                lines.release()
                throw error
            }
            #expect(reply == .answer("OK"))
            #expect(lines.written == 0)
            lines.release()
            try await server.waitUntil("the check line written") { lines.written == 1 }
        }
    }

    @Test func aDovecotFailureIsSentBeforePostfixStopsWaiting() async throws {
        var options = Server.Options()
        options.protocolName = .dovecot
        options.failureDelay = FailureDelay(floor: .seconds(20), cap: .seconds(20))
        try await Server.with(options, backend: HarnessBackend(path: .answersNow)) { server in
            let path = server.path
            let received = try await OwnThread.run { () -> String in
                let client = try RawSaslauthdClient(socketPath: path, receiveTimeout: .seconds(15))
                // PLAIN for alice with the wrong password.
                try client.send(Array("VERSION\t1\t2\nAUTH\t1\tPLAIN\tservice=imap\tresp=AGFsaWNlAHdyb25n\n".utf8))
                try client.shutdownWrite()
                return String(decoding: try client.blockingReadToEnd(), as: UTF8.self)
            }
            #expect(received.hasSuffix("DONE\nFAIL\t1\tuser=alice@example.com\n"), "\(received.debugDescription)")
            #expect(server.counters.value(.answeredAfterDelay) == 1)
        }
    }

    /// With `client_address_grace` and a backend that uses the address, the fifth field may come
    /// in a later write; the session waits for it on an event loop and the store sees it.
    @Test func aFifthFieldInALaterWriteReachesTheStore() async throws {
        var options = Server.Options()
        options.limits.clientAddressGrace = .seconds(20)
        try await Server.with(options, backend: HarnessBackend(path: .ownThread, usesClientAddress: true)) { server in
            let path = server.path
            let reply = try await OwnThread.run { () -> SaslauthdReply in
                let client = try RawSaslauthdClient(socketPath: path)
                try client.send(Self.request("alice", "right"))
                // The address is sent once the four fields have been read alone.
                try server.waitUntil("the four fields handed to an event loop") { server.counters.value(.handedToEventLoop) == 1 }
                try client.send(RawSaslauthdClient.encode(["192.0.2.7;4242"]))
                return try client.blockingReadReply()
            }
            #expect(reply == .answer("OK"))
            #expect(server.backend.subjects.map(\.clientAddress) == [ByteString("192.0.2.7;4242")])
            #expect(server.counters.value(.handedToEventLoop) == 1)
        }
    }

    /// The allow list is checked by the accept thread of every kind of listener, before anything
    /// is read: a peer it does not name is closed unanswered, one it names is served.
    @Test(arguments: [ListenerProtocol.saslauthd, .pwcheck, .authdaemond, .dovecot])
    func theAllowListGuardsEveryDoor(door: ListenerProtocol) async throws {
        let (request, answer): ([UInt8], String) = switch door {
        case .saslauthd: (Self.request("alice", "right"), "\u{0}\u{2}OK")
        case .pwcheck: (Array("alice\u{0}right\u{0}".utf8), "OK")
        case .authdaemond:
            (Array("AUTH 23\nimap\nlogin\nalice\nright\n\n".utf8), "USERNAME=alice\nADDRESS=alice@example.com\n.\n")
        case .dovecot:
            // After the greeting (with this process's pid and a random cookie).
            (Array("VERSION\t1\t2\nCPID\t1\nAUTH\t1\tPLAIN\tservice=imap\tresp=AGFsaWNlAHJpZ2h0\n".utf8), "DONE\nOK\t1\tuser=alice@example.com\n")
        }
        for admitted in [false, true] {
            var options = Server.Options()
            options.protocolName = door
            // Our own uid, or one no process of this test runs as.
            options.policy = PeerPolicy(userIDs: [admitted ? getuid() : 54_321], groupIDs: [], memberIDs: [])
            try await Server.with(options, backend: HarnessBackend(path: .answersNow)) { server in
                let path = server.path
                let received = try await OwnThread.run { () -> [UInt8] in
                    let client = try RawSaslauthdClient(socketPath: path)
                    // A peer refused may be closed before it writes; its send may then fail.
                    try? client.send(request)
                    try? client.shutdownWrite()
                    return try client.blockingReadToEnd()
                }
                if admitted {
                    let text = String(decoding: received, as: UTF8.self)
                    #expect(door == .dovecot ? text.hasSuffix(answer) : text == answer, "\(door): \(text.debugDescription)")
                    #expect(server.counters.value(.peersRefused) == 0)
                    #expect(server.backend.subjects.count == 1)
                } else {
                    #expect(received.isEmpty, "\(door): a refused peer got \(received)")
                    #expect(server.counters.value(.peersRefused) == 1)
                    #expect(server.backend.subjects.isEmpty)
                }
            }
        }
    }

    /// At `max_connections`, a connection that has sent nothing is closed to make room for a new
    /// one, which is then served; the read timeout (30 s here) plays no part. It is closed only
    /// for a client waiting to be accepted, never in advance for one who may not come (the pause
    /// gives a wrong eviction time to happen; a slow machine cannot make the test pass).
    @Test func atTheCapTheIdleConnectionMakesRoomForAWaitingClient() async throws {
        var options = Server.Options()
        options.limits.maxConnections = 2
        options.acceptPatience = 1
        try await Server.with(options, backend: HarnessBackend(path: .answersNow)) { server in
            let silent = try (0..<2).map { _ in try RawSaslauthdClient(socketPath: server.path) }
            try await server.waitUntil("both silent connections handed to an event loop") { server.counters.value(.handedToEventLoop) == 2 }
            // The accept thread now waits for room and looks at its backlog every 100 ms.
            try await Task.sleep(for: .milliseconds(500))
            #expect(silent.allSatisfy { $0.isOpenAndSilent() }, "closed with nobody waiting")
            #expect(server.counters.value(.idleEvicted) == 0)
            let newcomer = try await Self.exchange(server, Self.request("alice", "right"))
            #expect(newcomer == .answer("OK"))
            #expect(server.counters.value(.idleEvicted) == 1)
            let ends = try await OwnThread.run { silent.map { !$0.isOpenAndSilent() } }
            #expect(ends == [true, false], "the one idle the longest closed, the other kept: \(ends)")
        }
    }

    /// Stopping waits for a check in flight and sends its answer; a connection that sent
    /// nothing is closed.
    @Test func stoppingFinishesChecksInFlightAndClosesTheSilent() async throws {
        let backend = HarnessBackend(path: .ownThread, holding: ["slow"])
        var options = Server.Options()
        options.acceptPatience = 1
        let server = try InProcessServer(options, backend: backend)
        let path = server.path
        let silent = try RawSaslauthdClient(socketPath: path)
        try await server.waitUntil("the silent connection handed to an event loop") { server.counters.value(.handedToEventLoop) == 1 }
        let busy = try RawSaslauthdClient(socketPath: path)
        try busy.send(Self.request("slow", "right"))
        try await server.waitUntil("the check reached the store") { backend.waitingCount == 1 }
        let stopped = Task { try await server.stop() }
        #expect(try await silent.readToEnd().isEmpty)
        #expect(busy.isOpenAndSilent(), "answered before the store was")
        backend.release("slow")
        #expect(try await busy.readReply() == .answer("OK"))
        try await stopped.value
        #expect(server.context.tracker.count == 0)
    }

    /// On Dovecot's protocol, a client that asks once and hangs up (Exim's pattern) is greeted,
    /// answered and closed by the thread that accepted it; one that keeps its connection and
    /// goes quiet (Postfix's) is handed to an event loop after the patience and answered there.
    @Test(arguments: [false, true])
    func aDovecotClientThatAsksOnceNeverNeedsAnEventLoop(keepsConnection: Bool) async throws {
        var options = Server.Options()
        options.protocolName = .dovecot
        // Long enough that scheduling cannot end the wait for the request (nor, for the client
        // that hangs up, for its hang-up); short enough that a quiet kept connection, held
        // for a millisecond once the patience is over, reaches the event loop within the test.
        options.acceptPatience = keepsConnection ? 500 : 10_000
        options.holdPatience = .milliseconds(keepsConnection ? 1 : 10_000)
        try await Server.with(options, backend: HarnessBackend(path: .answersNow)) { server in
            let path = server.path
            let client = try RawSaslauthdClient(socketPath: path)
            let first = try await OwnThread.run { () -> String in
                // Exim reads the whole greeting before it writes.
                while try client.blockingReadLines(1) != ["DONE"] {}
                try client.send(Array("VERSION\t1\t2\nCPID\t7\nAUTH\t1\tPLAIN\tservice=smtp\tresp=AGFsaWNlAHJpZ2h0\n".utf8))
                return try client.blockingReadLines(1)[0]
            }
            #expect(first == "OK\t1\tuser=alice@example.com")
            if keepsConnection {
                try await server.waitUntil("the quiet connection handed to an event loop") { server.counters.value(.handedToEventLoop) == 1 }
                #expect(server.held?.count == 0)
                let second = try await OwnThread.run { () -> String in
                    try client.send(Array("AUTH\t2\tPLAIN\tservice=smtp\tresp=AGFsaWNlAHJpZ2h0\n".utf8))
                    return try client.blockingReadLines(1)[0]
                }
                #expect(second == "OK\t2\tuser=alice@example.com")
            }
            try client.shutdownWrite()
            // The daemon closes its side once it has read the hang-up.
            #expect(try await client.readToEnd().isEmpty)
            #expect(server.counters.value(.answeredOnAcceptThread) == 1)
            #expect(server.counters.value(.handedToEventLoop) == (keepsConnection ? 1 : 0))
            #expect(server.backend.subjects.count == (keepsConnection ? 2 : 1))
            // No longer counted as open (`authmux_open_connections`), on either path.
            try await server.waitUntil("the connection counted closed") { server.tally.count == 0 }
        }
    }

    /// A door that keeps its connection answers its requests as their checks finish, not in the
    /// order they came; the connection goes to an event loop once the accept thread has no more
    /// to do (here: one check in flight).
    @Test func aPersistentDoorAnswersInTheOrderChecksFinish() async throws {
        let backend = HarnessBackend(path: .ownThread, holding: ["slow"])
        try await Server.with(backend: backend, machine: { LineDoor() }) { server in
            let client = try RawSaslauthdClient(socketPath: server.path)
            try client.send(Array("1 slow right\n2 fast right\n3 fast wrong\n".utf8))
            let first = try await OwnThread.run { try client.blockingReadLines(2) }
            #expect(Set(first) == ["2 OK", "3 FAIL"], "\(first)")
            backend.release("slow")
            #expect(try await OwnThread.run { try client.blockingReadLines(1) } == ["1 OK"])
            #expect(server.counters.value(.handedToEventLoop) == 1)
            try client.shutdownWrite()
            #expect(try await client.readToEnd().isEmpty)
        }
    }
}
