import Foundation
import Testing

/// Service managers stop the daemon with SIGTERM: it must drain, remove its socket file (so the
/// next start, or a Cyrus saslauthd, finds a clean path) and report success.
@Suite(.timeLimit(.minutes(2)))
struct SignalTests {
    typealias S = StandardSetup

    @Test func sigtermExitsZeroAndRemovesTheSocket() async throws {
        try await S.run { sandbox, _, daemon in
            try S.expectStillServes(daemon)
            #expect(FileManager.default.fileExists(atPath: daemon.socketPath), "socket file while running")

            let termination = try await daemon.stop()
            #expect(termination == .exited(0), "after SIGTERM: \(termination)\n\(daemon.logTail)")
            #expect(FileManager.default.fileExists(atPath: daemon.socketPath) == false,
                    "the socket file \(daemon.socketPath) is still there after SIGTERM")
            #expect(RawSaslauthdClient.canConnect(to: daemon.socketPath) == false)
            #expect(sandbox.exists("authmux.yaml"), "the daemon must not touch its config")
        }
    }

    /// A connection that was accepted before SIGTERM and then sends its request still gets its
    /// answer: the daemon stops accepting, but finishes what it has.
    @Test func sigtermLetsAnAcceptedConnectionFinish() async throws {
        try await S.run { _, _, daemon in
            let client = try RawSaslauthdClient(socketPath: daemon.socketPath)
            let request = RawSaslauthdClient.encode([S.user, S.password, S.service, S.realm])
            // The first byte makes the connection a request in progress, not an idle one.
            try client.send(Array(request.prefix(1)))
            // Make sure the daemon has accepted it before the signal: a full exchange on another
            // connection completes only after the accept loop has passed ours.
            try S.expectStillServes(daemon)

            daemon.send(signal: SIGTERM)
            try client.send(Array(request.dropFirst()))
            let reply = try client.readReply()
            #expect(reply.isOK, "the in-flight request after SIGTERM: \(reply)\n\(daemon.logTail)")

            // One SIGTERM only: a second one may legitimately mean "stop now".
            let termination = try await daemon.waitForExit()
            #expect(termination == .exited(0), "\(termination)\n\(daemon.logTail)")
            #expect(FileManager.default.fileExists(atPath: daemon.socketPath) == false)
        }
    }
}
