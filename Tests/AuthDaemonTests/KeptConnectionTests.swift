@testable import AuthDaemon
import AuthCore
import AuthWire
import Foundation
import SocketTestSupport
import Testing

/// Dovecot connections, which carry many requests: a busy one held by the thread that
/// accepted it (`HeldConnections`), the listener stopping under one, and the answers of a
/// client that reads them late, none lost or cut whichever thread has the connection when its
/// socket fills.
@Suite("Kept Dovecot connections", .timeLimit(.minutes(1)))
struct KeptConnectionTests {
    typealias Server = InProcessServer

    static let greeting = "VERSION\t1\t2\nCPID\t7\n"

    static func auth(_ id: Int, password: String = "right", extra: String = "") -> String {
        "AUTH\t\(id)\tPLAIN\tservice=smtp\(extra)\tresp=\(Data("\0alice\0\(password)".utf8).base64EncodedString())\n"
    }

    /// Every request was answered exactly once, none with a wrong password (`password(for:)`)
    /// with `OK`, and nothing else was sent after the greeting.
    static func expectEveryAnswer(in received: [UInt8], count: Int) {
        let lines = String(decoding: received, as: UTF8.self).split(separator: "\n").drop { $0 != "DONE" }.dropFirst()
        var wrongOKs: [Int] = []
        let ids = lines.compactMap { line -> Int? in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 2, fields[0] == "OK" || fields[0] == "FAIL", let id = Int(fields[1]) else { return nil }
            if fields[0] == "OK", password(for: id) != "right" { wrongOKs.append(id) }
            return id
        }
        #expect(wrongOKs.isEmpty, "OK to wrong passwords: \(wrongOKs.prefix(5))")
        let strays = lines.filter { !$0.hasPrefix("OK\t") && !$0.hasPrefix("FAIL\t") }
        #expect(strays.isEmpty, "lines that are not answers: \(strays.prefix(3))")
        // Compared as counts and a few ids, so a failure does not print thousands of them.
        let missing = Set(1...count).subtracting(ids).sorted()
        let answeredOnce = ids.count == count && missing.isEmpty
        #expect(answeredOnce, "\(ids.count) answers to \(count) requests; \(missing.count) unanswered, from \(missing.prefix(5))")
    }

    /// Every third password is wrong.
    static func password(for id: Int) -> String { id % 3 == 0 ? "wrong" : "right" }

    static func expectedAnswer(_ id: Int) -> String {
        "\(password(for: id) == "right" ? "OK" : "FAIL")\t\(id)\tuser=alice@example.com"
    }

    static var dovecot: Server.Options {
        var options = Server.Options()
        options.protocolName = .dovecot
        return options
    }

    /// Postfix on a busy relay: each request as soon as the answer to the one before is in,
    /// then the hang-up. `whileConnected` runs (on the client's thread) after the second answer.
    static func askInTurn(_ server: Server, count: Int, whileConnected: @escaping @Sendable () throws -> Void = {}) async throws -> [String] {
        let client = try RawSaslauthdClient(socketPath: server.path)
        return try await OwnThread.run {
            while try client.blockingReadLines(1) != ["DONE"] {}
            var answers: [String] = []
            for id in 1...count {
                try client.send(Array(((id == 1 ? greeting : "") + auth(id, password: password(for: id))).utf8))
                answers += try client.blockingReadLines(1)
                if id == 2 { try whileConnected() }
            }
            try client.shutdownWrite()
            guard try client.blockingReadToEnd().isEmpty else { throw IntegrationError("bytes after the last answer") }
            return answers
        }
    }

    @Test func aBusyKeptConnectionIsServedByTheThreadThatAcceptedIt() async throws {
        try await Server.with(Self.dovecot, backend: HarnessBackend(path: .answersNow)) { server in
            let answers = try await Self.askInTurn(server, count: 20) {
                try server.waitUntil("the connection held") { server.held?.count == 1 }
            }
            #expect(answers == (1...20).map(Self.expectedAnswer))
            #expect(server.counters.value(.answeredOnAcceptThread) == 20)
            #expect(server.counters.value(.handedToEventLoop) == 0)
            // The slot comes back, and the connection is no longer counted as open
            // (`authmux_open_connections` for a Dovecot listener).
            try await server.waitUntil("the slot given back, the connection counted closed") {
                server.held?.count == 0 && server.tally.count == 0
            }
        }
    }

    /// A client slower than the accept thread's patience to write after the greeting (a loaded
    /// machine) is held, not handed to an event loop for good.
    @Test func aClientSlowToWriteAgainIsHeld() async throws {
        var options = Self.dovecot
        // Long enough for the client's first write to arrive within it however busy the
        // machine (a client silent from the start is not held); far shorter than its pause.
        options.acceptPatience = 500
        try await Server.with(options, backend: HarnessBackend(path: .answersNow)) { server in
            let client = try RawSaslauthdClient(socketPath: server.path)
            let answer = try await OwnThread.run { () -> [String] in
                try client.send(Array(Self.greeting.utf8))
                while try client.blockingReadLines(1) != ["DONE"] {}
                // Four times the patience: ordering, not timing.
                usleep(2_000_000)
                try server.waitUntil("the connection held") { server.held?.count == 1 }
                try client.send(Array(Self.auth(1).utf8))
                return try client.blockingReadLines(1)
            }
            #expect(answer == [Self.expectedAnswer(1)])
            #expect(server.counters.value(.handedToEventLoop) == 0)
            #expect(server.counters.value(.answeredOnAcceptThread) == 1)
            try client.shutdownWrite()
            #expect(try await client.readToEnd().isEmpty)
        }
    }

    /// With no slot to hold it, the same client goes to an event loop after the accept
    /// thread's first four reads, and is answered the same.
    @Test func withoutASlotTheConnectionGoesToAnEventLoop() async throws {
        var options = Self.dovecot
        options.limits.connectionThreads = 0
        try await Server.with(options, backend: HarnessBackend(path: .answersNow)) { server in
            let answers = try await Self.askInTurn(server, count: 20)
            #expect(answers == (1...20).map(Self.expectedAnswer))
            #expect(server.counters.value(.answeredOnAcceptThread) == 4)
            #expect(server.counters.value(.handedToEventLoop) == 1)
            #expect(server.counters.value(.answeredOnEventLoop) == 16)
            try await server.waitUntil("the connection counted closed") { server.tally.count == 0 }
        }
    }

    /// A client that never pauses cannot keep the listener from stopping: its thread lets go
    /// of it, and the connection is finished like any other.
    @Test func stoppingLetsGoOfAConnectionWhoseClientNeverPauses() async throws {
        let server = try InProcessServer(Self.dovecot, backend: HarnessBackend(path: .answersNow))
        let client = try RawSaslauthdClient(socketPath: server.path)
        let asking = Task {
            try await OwnThread.run { () -> [String] in
                while try client.blockingReadLines(1) != ["DONE"] {}
                try client.send(Array(Self.greeting.utf8))
                var answers: [String] = []
                for id in 1... {
                    // Ends when the daemon closes the connection.
                    guard (try? client.send(Array(Self.auth(id).utf8))) != nil, let line = try? client.blockingReadLines(1) else { break }
                    answers += line
                }
                return answers
            }
        }
        try await server.waitUntil("the connection held") { server.held?.count == 1 }
        try await server.stop()
        let answers = try await asking.value
        #expect(!answers.isEmpty)
        #expect(answers == (1...answers.count).map { "OK\t\($0)\tuser=alice@example.com" })
        #expect(server.held?.count == 0)
    }

    /// Thousands of requests written at once, the answers read only after the daemon could no
    /// longer write them, then the hang-up: every request is answered exactly once, whether
    /// the socket filled under a held connection or on the accept thread's first reads (what
    /// it could not take goes out from the event loop first).
    @Test(arguments: [true, false])
    func everyAnswerReachesAClientThatReadsLate(held: Bool) async throws {
        var options = Self.dovecot
        if !held { options.limits.connectionThreads = 0 }
        let count = 5000
        try await Server.with(options, backend: HarnessBackend(path: .answersNow)) { server in
            let client = try RawSaslauthdClient(socketPath: server.path)
            let requests = Array((Self.greeting + (1...count).map { Self.auth($0, password: Self.password(for: $0)) }.joined()).utf8)
            let sending = Task {
                try await OwnThread.run {
                    try client.send(requests)
                    try client.shutdownWrite()
                }
            }
            try await server.waitUntil("the connection on an event loop") { server.counters.value(.handedToEventLoop) == 1 }
            let received = try await client.readToEnd()
            try await sending.value
            Self.expectEveryAnswer(in: received, count: count)
        }
    }

    /// A client that hangs up with answers still queued for it (its socket full) gets every
    /// one before the daemon closes: closing the channel at once would drop them.
    @Test func aClientThatHangsUpBeforeReadingGetsEveryAnswer() async throws {
        let count = 1000
        // Each request longer than 2 KiB (an extra parameter, ignored), so that no read of the
        // event loop's (64 KiB at most) carries more than the 32 requests a connection may have
        // at once: every request reaches the backend, which is how the test knows all were read.
        let padding = "\tpadding=" + String(repeating: "x", count: 2100)
        try await Server.with(Self.dovecot, backend: HarnessBackend(path: .answersNow)) { server in
            let client = try RawSaslauthdClient(socketPath: server.path)
            let requests = Array((Self.greeting + (1...count).map { Self.auth($0, password: Self.password(for: $0), extra: padding) }.joined()).utf8)
            try await OwnThread.run {
                try client.send(requests)
                try client.shutdownWrite()
            }
            // Read and answered, the hang-up read after them: far more answers than the socket
            // takes are waiting on the event loop when the connection is to be closed.
            try await server.waitUntil("every request checked") { server.backend.subjects.count == count }
            Self.expectEveryAnswer(in: try await client.readToEnd(), count: count)
        }
    }

    /// A thread that holds a connection gives its turn at accepting to a waiting one: with four
    /// threads accepting (`accept_threads` 1) and six connections held, a seventh client is
    /// still accepted and answered.
    @Test func aThreadThatHoldsAConnectionGivesItsTurnAtAccepting() async throws {
        try await Server.with(Self.dovecot, backend: HarnessBackend(path: .answersNow)) { server in
            #expect(server.context.active.current.limits.acceptThreads == 1)
            var staying: [RawSaslauthdClient] = []
            for held in 1...6 {
                let client = try RawSaslauthdClient(socketPath: server.path)
                try await OwnThread.run {
                    while try client.blockingReadLines(1) != ["DONE"] {}
                    try client.send(Array((Self.greeting + Self.auth(1)).utf8))
                    _ = try client.blockingReadLines(1)
                    try client.send(Array(Self.auth(2).utf8))
                    _ = try client.blockingReadLines(1)
                }
                staying.append(client)
                try await server.waitUntil("\(held) connections held") { server.held?.count == held }
            }
            #expect(try await Self.askInTurn(server, count: 1) == [Self.expectedAnswer(1)])
            for client in staying { client.close() }
            try await server.waitUntil("every hold ended") { server.held?.count == 0 }
        }
    }

    /// A client that sends and never reads is not read from either once its answers fill its
    /// socket and the channel's write buffer (64 KiB): its requests wait in its own socket and
    /// its send stops, instead of the daemon holding ever more answers for it. (Each of its
    /// sends is given 1 s: a daemon that kept reading would take the 1.3 MB well within that,
    /// and one that stops reading never takes it, so a slow machine cannot make this fail.)
    @Test func aClientThatNeverReadsIsNotReadFrom() async throws {
        let count = 20_000
        try await Server.with(Self.dovecot, backend: HarnessBackend(path: .answersNow)) { server in
            let client = try RawSaslauthdClient(socketPath: server.path, receiveTimeout: .seconds(1))
            let requests = Array((Self.greeting + (1...count).map { Self.auth($0) }.joined()).utf8)
            let sentAll = try await OwnThread.run { (try? client.send(requests)) != nil }
            #expect(!sentAll, "the daemon read 1.3 MB of requests from a client that read none of its answers")
            #expect(server.backend.subjects.count < count)
            // Gone, so the answers queued for it fail and the connection ends at once.
            client.close()
        }
    }
}
