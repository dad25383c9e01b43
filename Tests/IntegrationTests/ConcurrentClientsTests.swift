import SocketTestSupport
import Testing

/// Many requests in flight at once, as a busy mail server produces: each connection gets the
/// answer to its own request, none is lost or crossed with another.
@Suite(.timeLimit(.minutes(2)))
struct ConcurrentClientsTests {
    typealias S = StandardSetup

    /// The throttle is off: 32 wrong passwords for one user at once are a spray, which it would
    /// rightly slow down (its own tests cover that); this test is about answers reaching the
    /// right connections.
    @Test func concurrentRequestsEachGetTheirOwnAnswer() async throws {
        try await S.run(configure: { config in
            config.throttle = false
            config.failureDelayFloor = "0s"
        }) { _, _, daemon in
            // Open every connection and send every request before reading any answer, so all of
            // them are in the daemon at the same time. Odd ones carry a wrong password.
            var clients: [(right: Bool, client: RawSaslauthdClient)] = []
            for index in 0..<64 {
                let right = index % 2 == 0
                let client = try RawSaslauthdClient(socketPath: daemon.socketPath)
                let login = index % 3 == 0 ? "foo@example.com" : S.user
                try client.send(RawSaslauthdClient.encode(
                    [login, right ? S.password : "wrong \(index)", S.service, index % 3 == 0 ? "" : S.realm]))
                clients.append((right, client))
            }
            for (index, entry) in clients.enumerated() {
                let reply = try await entry.client.readReply()
                if entry.right {
                    #expect(reply.isOK, "request \(index) (right password): \(reply)\n\(daemon.logTail)")
                } else {
                    #expect(reply == .answer("NO authentication failed"), "request \(index) (wrong password): \(reply)")
                }
            }
        }
    }
}
