import SocketTestSupport
import Testing

/// Whatever arrives on the socket, the daemon answers `NO` or hangs up, never `OK`, never
/// crashes, and the next client is served. Each case is followed by a good request.
@Suite(.timeLimit(.minutes(2)))
struct MalformedInputTests {
    typealias S = StandardSetup

    @Test func maximalLengthPrefixIsRefused() async throws {
        try await S.run { _, _, daemon in
            let client = try RawSaslauthdClient(socketPath: daemon.socketPath)
            // Announces a 65535-byte login and sends only a little of it: the prefix alone is
            // enough to refuse, the daemon must not wait for (or allocate) the rest.
            try client.send([0xFF, 0xFF] + Array(repeating: UInt8(ascii: "a"), count: 64))
            let reply = try await client.readReply()
            #expect(reply.isNO, "length prefix 0xFFFF: \(reply)")
            try await S.expectStillServes(daemon)
        }
    }

    @Test func fieldsLongerThan256BytesAreRefused() async throws {
        try await S.run { _, db, daemon in
            let socket = daemon.socketPath
            let long = String(repeating: "x", count: 257)
            let cases: [(String, [String])] = [
                ("257-byte login", [long, S.password, S.service, S.realm]),
                ("257-byte password", [S.user, long, S.service, S.realm]),
                ("257-byte service", [S.user, S.password, long, S.realm]),
                ("257-byte realm", [S.user, S.password, S.service, long]),
                ("257-byte client address", [S.user, S.password, S.service, S.realm, long]),
            ]
            for (name, fields) in cases {
                let reply = try await RawSaslauthdClient.exchange(socketPath: socket, fields: fields)
                #expect(reply.isNO, "\(name): \(reply)")
                try await S.expectStillServes(daemon)
            }

            // The limit is inclusive: a 256-byte password is an ordinary password.
            let password256 = String(repeating: "p", count: 200) + String(repeating: "q", count: 56)
            try await db.setPassword(password256, user: "longpw", realm: S.realm)
            let atLimit = try await RawSaslauthdClient.exchange(
                socketPath: socket, fields: ["longpw", password256, S.service, S.realm])
            #expect(atLimit.isOK, "256-byte password: \(atLimit)\n\(daemon.logTail)")
            let overLimit = try await RawSaslauthdClient.exchange(
                socketPath: socket, fields: ["longpw", password256 + "q", S.service, S.realm])
            #expect(overLimit.isNO, "257-byte password of a user whose first 256 bytes match: \(overLimit)")
        }
    }

    @Test func requestCutShortThenWriteSideClosed() async throws {
        try await S.run { _, _, daemon in
            let truncations: [(String, [UInt8])] = [
                ("half a length prefix", [0x00]),
                ("login only", RawSaslauthdClient.encode([S.user])),
                ("login and half of the password's prefix", RawSaslauthdClient.encode([S.user]) + [0x00]),
                ("password cut inside its bytes", RawSaslauthdClient.encode([S.user]) + [0x00, 0x08, 0x61, 0x62]),
                ("three of four fields", RawSaslauthdClient.encode([S.user, S.password, S.service])),
            ]
            for (name, bytes) in truncations {
                let client = try RawSaslauthdClient(socketPath: daemon.socketPath)
                try client.send(bytes)
                try client.shutdownWrite()
                let reply = try await client.readReply()
                #expect(reply == .closed || reply.isNO, "\(name), then EOF: \(reply)")
                try await S.expectStillServes(daemon)
            }
        }
    }

    @Test func garbageIsRefused() async throws {
        try await S.run { _, _, daemon in
            let garbage: [(String, [UInt8])] = [
                ("an HTTP request", Array("GET / HTTP/1.0\r\nHost: x\r\n\r\n".utf8)),
                ("binary noise", [0x13, 0x37, 0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0xFF, 0x7F, 0x80, 0x01, 0x02]),
                ("four well-framed fields of invalid UTF-8 and control bytes",
                 RawSaslauthdClient.encode([[0xFF, 0xFE, 0x00, 0x01], [0x80], [0xC3], [0x1B, 0x5B]])),
            ]
            for (name, bytes) in garbage {
                let client = try RawSaslauthdClient(socketPath: daemon.socketPath)
                try client.send(bytes)
                try client.shutdownWrite()
                let reply = try await client.readReply()
                #expect(reply == .closed || reply.isNO, "\(name): \(reply)")
                try await S.expectStillServes(daemon)
            }
        }
    }

    @Test func emptyLoginOrPasswordIsRefused() async throws {
        try await S.run { _, _, daemon in
            let socket = daemon.socketPath
            let emptyLogin = try await RawSaslauthdClient.exchange(socketPath: socket, fields: ["", S.password, S.service, S.realm])
            #expect(emptyLogin.isNO, "empty login: \(emptyLogin)")
            try await S.expectStillServes(daemon)

            let emptyPassword = try await RawSaslauthdClient.exchange(socketPath: socket, fields: [S.user, "", S.service, S.realm])
            #expect(emptyPassword.isNO, "empty password: \(emptyPassword)")
            try await S.expectStillServes(daemon)

            let realmOnly = try await RawSaslauthdClient.exchange(socketPath: socket, fields: ["@example.com", S.password, S.service, ""])
            #expect(realmOnly.isNO, "login that is only @realm: \(realmOnly)")
            try await S.expectStillServes(daemon)
        }
    }

    /// Normalization rule 1: NUL or control characters in the login or realm are refused. A C
    /// string view of `foo\0anything` is `foo`, so accepting it would be an authentication bypass.
    @Test func controlCharactersInLoginOrRealmAreRefused() async throws {
        try await S.run { _, _, daemon in
            let socket = daemon.socketPath
            let cases: [(String, [String])] = [
                ("NUL inside the login", ["foo\u{0}", S.password, S.service, S.realm]),
                ("NUL before a second name", ["foo\u{0}admin", S.password, S.service, S.realm]),
                ("control character in the login", ["foo\u{1}", S.password, S.service, S.realm]),
                ("newline in the login", ["foo\n", S.password, S.service, S.realm]),
                ("NUL in the realm", [S.user, S.password, S.service, "example.com\u{0}"]),
                ("DEL in the realm", [S.user, S.password, S.service, "example.com\u{7F}"]),
            ]
            for (name, fields) in cases {
                let reply = try await RawSaslauthdClient.exchange(socketPath: socket, fields: fields)
                #expect(reply.isNO, "\(name): \(reply)")
            }
            try await S.expectStillServes(daemon)
        }
    }
}
