import Foundation
import Testing

/// saslauthd listeners are accepted by an accept lane, which answers complete requests that
/// need no blocking call itself and hands every other connection to the event loops, with the
/// bytes it already read. `limits.accept_threads: 0` accepts on the event loop instead.
@Suite("Accept lane", .timeLimit(.minutes(2)))
struct AcceptLaneTests {
    typealias S = StandardSetup

    /// The same exchanges through the lane (the default) and through SwiftNIO's accepting
    /// channel: answers, reasons and the close after the answer must not depend on the path.
    @Test(arguments: [nil, 0] as [Int?])
    func bothAcceptPathsAnswerAlike(acceptThreads: Int?) async throws {
        try await S.run(configure: { $0.acceptThreads = acceptThreads; $0.readTimeout = "30s"; $0.throttle = false }) { _, _, daemon in
            let socket = daemon.socketPath
            let cases: [(String, [String], String)] = [
                ("four fields", [S.user, S.password, S.service, S.realm], "OK"),
                ("five fields", [S.user, S.password, S.service, S.realm, "192.0.2.7;4242"], "OK"),
                ("user@realm login", ["\(S.user)@\(S.realm)", S.password, S.service, ""], "OK"),
                ("wrong password", [S.user, "not-\(S.password)", S.service, S.realm], "NO authentication failed"),
                ("unknown user", ["nobody-here", S.password, S.service, S.realm], "NO authentication failed"),
                ("257-byte login", [String(repeating: "x", count: 257), S.password, S.service, S.realm],
                 "NO login too long (at most 256 bytes)"),
            ]
            for (name, fields, expected) in cases {
                let reply = try RawSaslauthdClient.exchange(socketPath: socket, fields: fields)
                #expect(reply == .answer(expected), "\(name): \(reply)\n\(daemon.logTail)")
            }

            // In two writes: the lane finds half a request and must hand over what it read.
            let request = RawSaslauthdClient.encode([S.user, S.password, S.service, S.realm])
            let split = try RawSaslauthdClient(socketPath: socket)
            try split.send(Array(request.prefix(7)))
            // Pacing only, so the halves arrive as separate reads; nothing is timed.
            try await Task.sleep(for: .milliseconds(100))
            try split.send(Array(request.dropFirst(7)))
            #expect(try split.readReply() == .answer("OK"), "\(daemon.logTail)")
            #expect(try split.readToEnd().isEmpty, "bytes after the answer")
            try S.expectStillServes(daemon)
        }
    }

    /// A complete request for a user of the sasldb, whose snapshot is current, is answered by
    /// the lane itself; one that is still arriving is handed to an event loop, which completes
    /// it. (The daemon runs with --debug, which logs every hand-off and its reason.)
    @Test func completeRequestsAreAnsweredOnTheLane() async throws {
        try await S.run(configure: { $0.readTimeout = "30s" }) { _, _, daemon in
            for _ in 0..<5 { try S.expectStillServes(daemon) }
            let wrong = try RawSaslauthdClient.exchange(socketPath: daemon.socketPath, fields: [S.user, "Wr0ng-9d2", S.service, S.realm])
            #expect(wrong == .answer("NO authentication failed"))
            try await daemon.waitForLog(containing: "result=NO")
            #expect(daemon.log.components(separatedBy: " info check ").count - 1 == 6, "\(daemon.logTail)")
            #expect(!daemon.log.contains("connection handed to an event loop"), "\(daemon.logTail)")

            let client = try RawSaslauthdClient(socketPath: daemon.socketPath)
            let request = RawSaslauthdClient.encode([S.user, S.password, S.service, S.realm])
            try client.send(Array(request.prefix(3)))
            try await daemon.waitForLog(containing: "connection handed to an event loop reason=\"request incomplete\"")
            try client.send(Array(request.dropFirst(3)))
            #expect(try client.readReply() == .answer("OK"), "\(daemon.logTail)")
        }
    }

    /// A failed answer the lane holds back for its delay is still sent when SIGTERM arrives
    /// meanwhile: the daemon waits for it before it exits.
    @Test func sigtermWaitsForAnAnswerHeldForItsFailureDelay() async throws {
        try await S.run(configure: { $0.failureDelayFloor = "1500ms"; $0.throttle = false }) { _, _, daemon in
            let client = try RawSaslauthdClient(socketPath: daemon.socketPath, receiveTimeout: .seconds(20))
            TestSecrets.register("Wr0ng-7f3")
            try client.send(RawSaslauthdClient.encode([S.user, "Wr0ng-7f3", S.service, S.realm]))
            // A later exchange proves ours was accepted (the backlog is first in, first out); the
            // lane thread that took it finishes settling it before the lane stops.
            try S.expectStillServes(daemon)
            #expect(client.isOpenAndSilent(), "the failed answer was not held back")
            daemon.send(signal: SIGTERM)
            let reply = try await OwnThread.run { try client.readReply() }
            #expect(reply == .answer("NO authentication failed"), "\(daemon.logTail)")
            let termination = try await daemon.waitForExit()
            #expect(termination == .exited(0), "\(termination)\n\(daemon.logTail)")
            #expect(daemon.log.contains("delay_ms=1500"), "\(daemon.logTail)")
            #expect(!daemon.log.contains("connection handed to an event loop"), "the lane did not hold the answer itself\n\(daemon.log)")
        }
    }
}
