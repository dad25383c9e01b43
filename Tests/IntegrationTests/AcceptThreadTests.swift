import Foundation
import SocketTestSupport
import Testing

/// Every listener is accepted on its own threads, which answer complete requests that need no
/// blocking call themselves and hand a connection whose request is still arriving to SwiftNIO,
/// with the bytes already read. Which path a request took is counted below the binary, in
/// AuthDaemonTests; here the real daemon must answer alike either way.
@Suite("Accept threads and hand-offs", .timeLimit(.minutes(2)))
struct AcceptThreadTests {
    typealias S = StandardSetup

    /// The same exchanges whole (answered by the accept thread) and in two writes (finished by
    /// SwiftNIO), with one accept thread and with four: answers, reasons and the close after the
    /// answer must not depend on the path.
    @Test(arguments: [1, 4])
    func bothPathsAnswerAlike(acceptThreads: Int) async throws {
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
                let reply = try await RawSaslauthdClient.exchange(socketPath: socket, fields: fields)
                #expect(reply == .answer(expected), "\(name): \(reply)\n\(daemon.logTail)")
                // An overlong field is refused as soon as its length is read: nothing to split.
                guard fields.allSatisfy({ $0.utf8.count <= 256 }) else { continue }
                let request = RawSaslauthdClient.encode(fields)
                let split = try RawSaslauthdClient(socketPath: socket)
                try split.send(Array(request.prefix(5)))
                // Pacing only, so the parts arrive as separate reads; nothing is timed.
                try await Task.sleep(for: .milliseconds(50))
                try split.send(Array(request.dropFirst(5)))
                #expect(try await split.readReply() == .answer(expected), "\(name) in two writes\n\(daemon.logTail)")
            }

            // In two writes: the accept thread finds half a request and must hand over what it read.
            let request = RawSaslauthdClient.encode([S.user, S.password, S.service, S.realm])
            let split = try RawSaslauthdClient(socketPath: socket)
            try split.send(Array(request.prefix(7)))
            // Pacing only, so the halves arrive as separate reads; nothing is timed.
            try await Task.sleep(for: .milliseconds(100))
            try split.send(Array(request.dropFirst(7)))
            #expect(try await split.readReply() == .answer("OK"), "\(daemon.logTail)")
            #expect(try await split.readToEnd().isEmpty, "bytes after the answer")
            try await S.expectStillServes(daemon)
        }
    }

    /// A failed answer held back for its delay is still sent when SIGTERM arrives meanwhile: the
    /// daemon waits for it before it exits.
    @Test func sigtermWaitsForAnAnswerHeldForItsFailureDelay() async throws {
        // The held answer must outlast the exchange that proves ours was accepted: 1.5 s did not
        // when the machine was loaded (hash-heavy tests beside it, other work on the host), and
        // neither did 8 s once, at the start of a full run (every suite starting at once on two
        // cores), so the delay is long enough for any machine that answers at all.
        try await S.run(configure: { $0.failureDelayFloor = "25s"; $0.failureDelayCap = "25s"; $0.throttle = false }) { _, _, daemon in
            let client = try RawSaslauthdClient(socketPath: daemon.socketPath, receiveTimeout: .seconds(60))
            TestSecrets.register("Wr0ng-7f3")
            try client.send(RawSaslauthdClient.encode([S.user, "Wr0ng-7f3", S.service, S.realm]))
            // A later exchange proves ours was accepted (the backlog is first in, first out); the
            // accept thread that took it finishes settling it before the listener stops.
            try await S.expectStillServes(daemon)
            #expect(client.isOpenAndSilent(), "the failed answer was not held back")
            daemon.send(signal: SIGTERM)
            let reply = try await client.readReply()
            #expect(reply == .answer("NO authentication failed"), "\(daemon.logTail)")
            let termination = try await daemon.waitForExit()
            #expect(termination == .exited(0), "\(termination)\n\(daemon.logTail)")
            #expect(daemon.log.contains("delay_ms=25000"), "\(daemon.logTail)")
        }
    }
}
