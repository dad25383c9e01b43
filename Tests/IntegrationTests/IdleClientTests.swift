import Testing

/// Six silent connections freeze Cyrus saslauthd `-n 5`. Here they must cost nothing but their
/// own sockets, and each is closed once `limits.read_timeout` (2 s in these tests) passes.
@Suite(.timeLimit(.minutes(2)))
struct IdleClientTests {
    typealias S = StandardSetup

    @Test func silentClientsDoNotDelayOthersAndAreClosedAfterReadTimeout() async throws {
        try await S.run { _, _, daemon in
            let socket = daemon.socketPath
            // Generous receive timeout: only "never closed" fails, not "closed late".
            var idle: [RawSaslauthdClient] = []
            for _ in 0..<6 {
                idle.append(try RawSaslauthdClient(socketPath: socket, receiveTimeout: .seconds(30)))
            }
            // Two more that stall in the middle of a request.
            let stalled = try RawSaslauthdClient(socketPath: socket, receiveTimeout: .seconds(30))
            try stalled.send(RawSaslauthdClient.encode([S.user]))
            let stalledInPrefix = try RawSaslauthdClient(socketPath: socket, receiveTimeout: .seconds(30))
            try stalledInPrefix.send(RawSaslauthdClient.encode([S.user, S.password]) + [0x00])

            // While all of them hold connections, the reference client must get through. The
            // 10 s limit only turns a hang into a failure; no latency is asserted.
            let good = try await SaslClients.testsaslauthd(
                user: "foo@example.com", password: S.password, socketPath: socket, timeout: .seconds(10))
            #expect(good.termination == .exited(0) && good.stdout.contains("OK"),
                    "a good request next to 8 idle connections: \(good)\n\(daemon.logTail)")
            let raw = try RawSaslauthdClient.exchange(socketPath: socket, fields: [S.user, S.password, S.service, S.realm])
            #expect(raw.isOK, "a raw good request next to 8 idle connections: \(raw)")

            // Each silent client is then hung up on (EOF), or told NO, after the read timeout.
            for (index, client) in idle.enumerated() {
                let reply = try client.readReply()
                #expect(reply == .closed || reply.isNO, "idle connection \(index): \(reply)")
            }
            for (name, client) in [("stalled after the login", stalled), ("stalled inside a prefix", stalledInPrefix)] {
                let reply = try client.readReply()
                #expect(reply == .closed || reply.isNO, "\(name): \(reply)")
            }
            try S.expectStillServes(daemon)
        }
    }
}
