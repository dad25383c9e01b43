import SocketTestSupport
import Testing

/// Six silent connections freeze Cyrus saslauthd `-n 5` until they close. Here they must cost
/// nothing but their own sockets, and each is closed once `limits.read_timeout` passes.
@Suite(.timeLimit(.minutes(2)))
struct IdleClientTests {
    typealias S = StandardSetup

    /// Longer than the 10 s the good request is given: a daemon whose idle connections hold
    /// workers until the read timeout frees them cannot pass by waiting it out. And long enough
    /// that on a loaded machine (the whole suite runs in parallel on two cores) the good
    /// requests are done well before the silent connections are due to be closed.
    static let readTimeout = "30s"

    @Test func silentClientsDoNotDelayOthersAndAreClosedAfterReadTimeout() async throws {
        try await S.run(configure: { $0.readTimeout = Self.readTimeout }) { _, _, daemon in
            let socket = daemon.socketPath
            // Generous receive timeout: only "never closed" fails, not "closed late".
            var idle: [(name: String, client: RawSaslauthdClient)] = []
            for index in 0..<6 {
                idle.append(("idle connection \(index)", try RawSaslauthdClient(socketPath: socket, receiveTimeout: .seconds(45))))
            }
            // Two more that stall in the middle of a request.
            let stalled = try RawSaslauthdClient(socketPath: socket, receiveTimeout: .seconds(45))
            try stalled.send(RawSaslauthdClient.encode([S.user]))
            idle.append(("stalled after the login", stalled))
            let stalledInPrefix = try RawSaslauthdClient(socketPath: socket, receiveTimeout: .seconds(45))
            try stalledInPrefix.send(RawSaslauthdClient.encode([S.user, S.password]) + [0x00])
            idle.append(("stalled inside a length prefix", stalledInPrefix))

            // While all of them hold connections, the reference client must get through. The
            // 10 s limit only turns a hang into a failure; no latency is asserted.
            let good = try await SaslClients.testsaslauthd(
                user: "foo@example.com", password: S.password, socketPath: socket, timeout: .seconds(10))
            #expect(good.termination == .exited(0) && good.stdout.contains("OK"),
                    "a good request next to 8 idle connections: \(good)\n\(daemon.logTail)")
            let raw = try await RawSaslauthdClient.exchange(socketPath: socket, fields: [S.user, S.password, S.service, S.realm])
            #expect(raw.isOK, "a raw good request next to 8 idle connections: \(raw)")

            // Proof that they were served side by side: the silent connections are all still
            // open, so the good requests did not merely wait for them to time out.
            for (name, client) in idle {
                #expect(client.isOpenAndSilent(), "\(name) was already answered or closed before the read timeout")
            }

            // Each silent client is then hung up on (EOF), or told NO, after the read timeout.
            for (name, client) in idle {
                let reply = try await client.readReply()
                #expect(reply == .closed || reply.isNO, "\(name): \(reply)")
            }
            try await S.expectStillServes(daemon)
        }
    }
}
