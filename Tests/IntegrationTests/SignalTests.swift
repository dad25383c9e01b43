import Foundation
import SocketTestSupport
import Testing

/// Service managers stop the daemon with SIGTERM: it must drain, remove its socket file (so the
/// next start, or a Cyrus saslauthd, finds a clean path) and report success.
@Suite(.timeLimit(.minutes(2)))
struct SignalTests {
    typealias S = StandardSetup

    @Test func sigtermExitsZeroAndRemovesTheSocket() async throws {
        try await S.run { _, _, daemon in
            try await S.expectStillServes(daemon)
            #expect(FileManager.default.fileExists(atPath: daemon.socketPath), "socket file while running")

            let termination = try await daemon.stop()
            #expect(termination == .exited(0), "after SIGTERM: \(termination)\n\(daemon.logTail)")
            #expect(FileManager.default.fileExists(atPath: daemon.socketPath) == false,
                    "the socket file \(daemon.socketPath) is still there after SIGTERM")
            #expect(RawSaslauthdClient.canConnect(to: daemon.socketPath) == false)
        }
    }

    /// A connection that was accepted before SIGTERM and then sends its request still gets its
    /// answer: the daemon stops accepting new connections, but finishes what it has.
    @Test func sigtermStopsAcceptingButFinishesAnAcceptedRequest() async throws {
        // A long read timeout, so the pending connection cannot be dropped as idle meanwhile.
        try await S.run(configure: { $0.readTimeout = "30s" }) { _, _, daemon in
            let client = try RawSaslauthdClient(socketPath: daemon.socketPath)
            let request = RawSaslauthdClient.encode([S.user, S.password, S.service, S.realm])
            // The first byte makes the connection a request in progress, not an idle one.
            try client.send(Array(request.prefix(1)))
            // Make sure the daemon has accepted it before the signal: connections are accepted
            // in order, so a full exchange on a later one proves ours was accepted.
            try await S.expectStillServes(daemon)

            daemon.send(signal: SIGTERM)
            // New connections are refused soon (polled, not timed) while ours is still pending.
            let deadline = ContinuousClock.now + .seconds(10)
            while RawSaslauthdClient.canConnect(to: daemon.socketPath) && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(RawSaslauthdClient.canConnect(to: daemon.socketPath) == false,
                    "still accepting new connections 10 s after SIGTERM\n\(daemon.logTail)")

            try client.send(Array(request.dropFirst()))
            let reply = try await client.readReply()
            #expect(reply.isOK, "the in-flight request after SIGTERM: \(reply)\n\(daemon.logTail)")

            // One SIGTERM only: a second one may legitimately mean "stop now".
            let termination = try await daemon.waitForExit()
            #expect(termination == .exited(0), "\(termination)\n\(daemon.logTail)")
            #expect(FileManager.default.fileExists(atPath: daemon.socketPath) == false)
        }
    }
}
