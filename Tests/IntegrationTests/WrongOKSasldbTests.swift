import Foundation
import SocketTestSupport
import Testing

/// Issue 14's wrong OKs that need no root: names compared as bytes end to end, invisible
/// characters refused on every door, and guesses sent in parallel that cannot outrun the
/// throttle. Real sasldb files written by saslpasswd2, real clients on the daemon's sockets.
@Suite("Wrong OKs: bytes, refusals, parallel guesses", .timeLimit(.minutes(3)))
struct WrongOKSasldbTests {
    typealias S = StandardSetup

    static let nfc = "jos\u{E9}"          // 6a 6f 73 c3 a9
    static let nfd = "jose\u{301}"        // 6a 6f 73 65 cc 81

    static func ask(_ socket: String, _ fields: [String]) async throws -> SaslauthdReply {
        try await RawSaslauthdClient.exchange(socketPath: socket, fields: fields)
    }

    /// Two sasldb users written by saslpasswd2, `josé` precomposed and decomposed, with different
    /// passwords. Swift's String equality made them one user: the NFD login with the NFC user's
    /// password was OK. Both with the cache on (where a key merged them too) and off.
    @Test(arguments: [true, false])
    func canonicallyEquivalentNamesAreTwoUsers(cache: Bool) async throws {
        #expect(Self.nfc == Self.nfd, "the premise: Swift calls them equal")
        #expect(Array(Self.nfc.utf8) != Array(Self.nfd.utf8))
        try await S.run(configure: { config in
            config.cache = cache
            config.failureDelayFloor = "0s"
        }) { sandbox, db, daemon in
            try await db.setPassword("nfc secret", user: Self.nfc, realm: S.realm)
            try await db.setPassword("nfd secret", user: Self.nfd, realm: S.realm)
            let entries = try await db.entries()
            #expect(entries.filter { $0.hasSuffix("@\(S.realm)") }.count == 3, "foo and both josés: \(entries)")
            let socket = daemon.socketPath
            #expect(try await Self.ask(socket, [Self.nfc, "nfc secret", S.service, S.realm]).isOK)
            #expect(try await Self.ask(socket, [Self.nfd, "nfd secret", S.service, S.realm]).isOK)
            // After both were answered (and cached), each password still opens only its own name.
            let crossed = try await Self.ask(socket, [Self.nfd, "nfc secret", S.service, S.realm])
            #expect(crossed.isNO, "the NFD login with the NFC user's password: \(crossed)")
            let crossedBack = try await Self.ask(socket, [Self.nfc, "nfd secret", S.service, S.realm])
            #expect(crossedBack.isNO, "the NFC login with the NFD user's password: \(crossedBack)")
            #expect(try await Self.ask(socket, [Self.nfc + "@" + S.realm, "nfc secret", S.service, ""]).isOK)
        }
    }

    /// Invisible characters (U+200B, U+202E, U+2028, U+FEFF…) and controls can make two names
    /// look alike or forge a log line: refused on every front door, with the reason, and the
    /// daemon keeps serving.
    @Test func invisibleCharactersAreRefusedOnEveryDoor() async throws {
        try await FrontDoorSetup.run(configure: { $0.failureDelayFloor = "0s" }) { sandbox, _, daemon in
            let (socket, pwcheck, authdaemond) = (daemon.socketPath, sandbox.pwcheckPath, sandbox.authdaemondPath)
            for (login, codePoint) in [("fo\u{200B}o", "U+200B"), ("\u{202E}oof", "U+202E"), ("foo\u{2028}x", "U+2028"), ("\u{FEFF}foo", "U+FEFF")] {
                let reason = "login contains an invisible character (\(codePoint))"
                let sasl = try await Self.ask(socket, [login, S.password, S.service, S.realm])
                #expect(sasl == .answer("NO \(reason)"), "saslauthd \(codePoint): \(sasl)")
                let pw = try await FrontDoorClient.pwcheck(socketPath: pwcheck, login: login, password: S.password)
                #expect(pw == reason, "pwcheck \(codePoint): \(pw)")
                let ad = try await FrontDoorClient.authdaemond(socketPath: authdaemond, service: "imap", login: login, password: S.password)
                #expect(ad == "FAIL\n", "authdaemond \(codePoint): \(ad)")
                try await daemon.waitForLog(containing: "reason=\"\(reason)\"")
            }
            let realm = try await Self.ask(socket, [S.user, S.password, S.service, "example\u{200D}.com"])
            #expect(realm == .answer("NO realm contains an invisible character (U+200D)"), "\(realm)")
            let service = try await Self.ask(socket, [S.user, S.password, "sm\u{2060}tp", S.realm])
            #expect(service == .answer("NO service contains an invisible character (U+2060)"), "\(service)")
            try await S.expectStillServes(daemon)
        }
    }

    /// A client that sends many guesses for one account at once used to read "no answer yet"
    /// as a failure and guess at the store's speed: the delay only held back the answers. Now
    /// a check holds a slot on its account while it asks the store, a failure keeps it until its
    /// answer is sent, and a bounded queue waits behind it: with one slot and a queue of two, 30
    /// guesses sent together reach the store exactly three times. Counted from the log, whose
    /// check line says for each whether the store was asked.
    @Test func parallelGuessesCannotOutrunTheThrottle() async throws {
        try await Sandbox.with { sandbox in
            try await SaslDB(path: sandbox.sasldbPath).setPassword(S.password, user: S.user, realm: S.realm)
            let config = """
                listen: [ { protocol: saslauthd, path: \(sandbox.socketPath) } ]
                realms: { default: example.com }
                limits: { read_timeout: 60s }
                failure_delay: { floor: 3s, cap: 3s }
                throttle: { free_failures: 0, in_flight: 1, queue: 2 }
                cache: { enabled: false }
                backends: { mailusers: { type: sasldb, path: \(sandbox.sasldbPath) } }
                """
            let path = try sandbox.write(config, to: "authmux.yaml")
            try await TestDaemon.with(configPath: path, socketPath: sandbox.socketPath) { daemon in
                let socket = daemon.socketPath
                let replies = try await withThrowingTaskGroup(of: SaslauthdReply.self) { group in
                    for guess in 0..<30 {
                        group.addTask { try await Self.ask(socket, [S.user, "guess \(guess)", S.service, ""]) }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(replies.count == 30 && replies.allSatisfy(\.isNO), "\(replies)")
                try await daemon.waitForLog(containing: "result=NO", count: 30)
                let lines = daemon.log.split(separator: "\n").filter { $0.contains(" check ") && $0.contains("result=NO") }
                let asked = lines.filter { $0.contains("mailusers: rejected (wrong password)") }
                let refused = lines.filter { $0.contains("throttle: too many checks waiting") }
                #expect(asked.count == 3, "the store was asked \(asked.count) times:\n\(daemon.logTail)")
                #expect(refused.count == 27, "\(refused.count) refused without asking the store")
            }
        }
    }
}
