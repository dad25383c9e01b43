import SocketTestSupport
import Testing

/// Released libsasl2 sends four fields; Cyrus's development branch adds a fifth, the client
/// address. Both forms must work on the same socket.
@Suite(.timeLimit(.minutes(2)))
struct RequestFormTests {
    typealias S = StandardSetup

    @Test func authtestSendsFourAndFiveFields() async throws {
        try await S.run { _, _, daemon in
            let socket = daemon.socketPath
            let four = try await SaslClients.authtest(
                ["--fields", "4", "-u", S.user, "-r", S.realm, "-p", S.password, "-s", S.service, "-f", socket])
            #expect(four.termination == .exited(0) && four.stdout.contains("OK"), "\(four)\n\(daemon.logTail)")

            let five = try await SaslClients.authtest(
                ["--fields", "5", "--client-address", "127.0.0.1;4242",
                 "-u", S.user, "-r", S.realm, "-p", S.password, "-s", S.service, "-f", socket])
            #expect(five.termination == .exited(0) && five.stdout.contains("OK"), "\(five)\n\(daemon.logTail)")

            let fiveWrong = try await SaslClients.authtest(
                ["--fields", "5", "--client-address", "127.0.0.1;4242",
                 "-u", S.user, "-r", S.realm, "-p", "wrong", "-s", S.service, "-f", socket])
            #expect(fiveWrong.termination == .exited(1) && fiveWrong.stdout.contains("NO"),
                    "\(fiveWrong)\n\(daemon.logTail)")
        }
    }

    @Test func rawFourAndFiveFieldRequestsInOneWrite() async throws {
        try await S.run { _, _, daemon in
            let socket = daemon.socketPath
            let four = try await RawSaslauthdClient.exchange(
                socketPath: socket, fields: [S.user, S.password, S.service, S.realm])
            #expect(four.isOK, "4 fields: \(four)")

            let five = try await RawSaslauthdClient.exchange(
                socketPath: socket, fields: [S.user, S.password, S.service, S.realm, "127.0.0.1;4242"])
            #expect(five.isOK, "5 fields: \(five)")

            let ipv6 = try await RawSaslauthdClient.exchange(
                socketPath: socket, fields: [S.user, S.password, S.service, S.realm, "::1;993"])
            #expect(ipv6.isOK, "5 fields, IPv6 address: \(ipv6)")

            // The development branch sends an empty address when it has none.
            let emptyAddress = try await RawSaslauthdClient.exchange(
                socketPath: socket, fields: [S.user, S.password, S.service, S.realm, ""])
            #expect(emptyAddress.isOK, "5 fields, empty address: \(emptyAddress)")

            let fiveWrong = try await RawSaslauthdClient.exchange(
                socketPath: socket, fields: [S.user, "wrong", S.service, S.realm, "127.0.0.1;4242"])
            #expect(fiveWrong.isNO, "5 fields, wrong password: \(fiveWrong)")
            try await S.expectStillServes(daemon)
        }
    }

    /// One request per connection: after its answer the daemon closes, even if the client
    /// sends a second request on the same connection.
    @Test func theDaemonClosesAfterTheAnswer() async throws {
        try await S.run { _, _, daemon in
            let client = try RawSaslauthdClient(socketPath: daemon.socketPath)
            try client.send(RawSaslauthdClient.encode([S.user, S.password, S.service, S.realm]))
            let reply = try await client.readReply()
            #expect(reply.isOK, "\(reply)")
            let rest = try await client.readToEnd()
            #expect(rest.isEmpty, "bytes after the answer: \(rest)")
        }
    }

    /// A four-field request may arrive in many small reads; the daemon must assemble it rather
    /// than judge the first fragment.
    @Test func requestArrivingInPiecesIsAssembled() async throws {
        // A generous read deadline: on a loaded CI machine the pacing sleeps can stretch, and
        // this test is about assembly, not about the deadline.
        try await S.run(configure: { $0.readTimeout = "30s" }) { _, _, daemon in
            let client = try RawSaslauthdClient(socketPath: daemon.socketPath)
            let request = RawSaslauthdClient.encode([S.user, S.password, S.service, S.realm])
            var offset = 0
            while offset < request.count {
                let end = min(offset + 3, request.count)
                try client.send(Array(request[offset..<end]))
                offset = end
                // Pacing only, so the pieces arrive as separate reads; nothing is timed.
                try await Task.sleep(for: .milliseconds(2))
            }
            let reply = try await client.readReply()
            #expect(reply.isOK, "a request sent 3 bytes at a time: \(reply)\n\(daemon.logTail)")
        }
    }
}
