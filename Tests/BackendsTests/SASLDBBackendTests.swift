import AuthCore
import AuthWire
import Backends
import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing

@Suite("sasldb backend against files written by the real saslpasswd2")
struct SASLDBBackendTests {
    let directory: String
    let file: String
    let backend: SASLDBBackend

    init() throws {
        directory = try Saslpasswd2.temporaryDirectory()
        file = directory + "/sasldb2"
        backend = SASLDBBackend(name: "mailusers", settings: SASLDBSettings(path: file, threads: 2), logger: Logger(label: "test"))
    }

    func check(_ user: String, _ realm: String, _ password: String) async -> BackendVerdict {
        await backend.verdict(user: user, realm: realm, password: Secret(password))
    }

    @Test func acceptsRejectsAndDoesNotKnow() async throws {
        try Saslpasswd2.set("foo", password: "secret", realm: "example.com", file: file)
        try Saslpasswd2.set("bar", password: "other", realm: "example.org", file: file)
        #expect(await check("foo", "example.com", "secret") == .accepted)
        #expect(await check("foo", "example.com", "secreT") == .rejected(reason: "wrong password"))
        #expect(await check("foo", "example.com", "secret ") == .rejected(reason: "wrong password"))
        #expect(await check("foo", "example.org", "secret") == .unknownUser)
        #expect(await check("bar", "example.org", "other") == .accepted)
        #expect(await check("nobody", "example.com", "secret") == .unknownUser)
        await backend.shutdown()
    }

    @Test func emptyRealmIsLookedUpUnderTheHostNameLikeSaslpasswd2() async throws {
        try Saslpasswd2.set("local", password: "pw", file: file)
        let listed = try Saslpasswd2.list(file: file)
        let realm = try #require(listed.first?.split(separator: "@").last?.split(separator: ":").first.map(String.init))
        #expect(realm == HostName.fullyQualified())
        #expect(await check("local", "", "pw") == .accepted)
        #expect(await check("local", realm, "pw") == .accepted)
        await backend.shutdown()
    }

    /// With inotify (the copy in memory answers on the caller's thread until the watch sees a
    /// change) and without it (inotify's limits reached: every check goes to the pool, which
    /// trusts the copy only while the file's stamp is unchanged and old enough).
    func backend(watched: Bool) -> SASLDBBackend {
        watched ? backend : SASLDBBackend(name: "mailusers", settings: SASLDBSettings(path: file, threads: 2), logger: Logger(label: "test"), watched: false)
    }

    @Test(arguments: [true, false])
    func changesBySaslpasswd2AreSeenOnTheNextCheck(watched: Bool) async throws {
        let backend = backend(watched: watched)
        func check(_ user: String, _ password: String) async -> BackendVerdict {
            await backend.verdict(user: user, realm: "example.com", password: Secret(password))
        }
        try Saslpasswd2.set("foo", password: "first", realm: "example.com", file: file)
        // A file quiet for a while is read into a copy that is trusted, without inotify too, for
        // as long as its stamp stays the same: the change below must still be seen at once.
        try Self.waitUntilQuiet(file)
        #expect(await check("foo", "first") == .accepted)
        #expect(await check("foo", "first") == .accepted)
        // Which path answered: only a watched file is answered without the pool.
        let fromMemory = backend.answerNow(SASLDBKey(user: "foo", realm: "example.com"), password: Secret("first"))
        #expect((fromMemory != nil) == watched)
        try Saslpasswd2.set("foo", password: "second", realm: "example.com", file: file)
        #expect(await check("foo", "first") == .rejected(reason: "wrong password"))
        #expect(await check("foo", "second") == .accepted)
        try Saslpasswd2.set("new", password: "pw", realm: "example.com", file: file)
        #expect(await check("new", "pw") == .accepted)
        try Saslpasswd2.delete("foo", realm: "example.com", file: file)
        #expect(await check("foo", "second") == .unknownUser)
        await backend.shutdown()
        if !watched { await self.backend.shutdown() }
    }

    /// Returns once the file's timestamps are 100 ms old, twice the granularity below which a
    /// copy is not trusted without inotify (`FileVersion.isSettled`). Polls the file rather than
    /// sleeping a fixed time.
    static func waitUntilQuiet(_ path: String) throws {
        func nanoseconds(_ time: timespec) -> Int64 { Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec) }
        while true {
            var info = stat()
            guard stat(path, &info) == 0 else { throw CocoaError(.fileNoSuchFile) }
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            if nanoseconds(now) - max(nanoseconds(info.st_mtim), nanoseconds(info.st_ctim)) > 100_000_000 { return }
            usleep(10_000)
        }
    }

    @Test(arguments: [true, false])
    func sameLengthPasswordChangesInQuickSuccessionAreSeen(watched: Bool) async throws {
        let backend = backend(watched: watched)
        // Same length, so the file's size does not change: only timestamps tell. The old
        // password must be refused each time: a copy kept too long would still accept it.
        for round in 0..<5 {
            try Saslpasswd2.set("foo", password: "pass\(round)", realm: "example.com", file: file)
            #expect(await backend.verdict(user: "foo", realm: "example.com", password: Secret("pass\(round)")) == .accepted)
            if round > 0 {
                #expect(await backend.verdict(user: "foo", realm: "example.com", password: Secret("pass\(round - 1)")) == .rejected(reason: "wrong password"))
            }
        }
        await backend.shutdown()
        if !watched { await self.backend.shutdown() }
    }

    @Test func missingFileIsUnavailableAndRecovers() async throws {
        guard case .unavailable(let reason) = await check("foo", "example.com", "pw") else {
            Issue.record("a missing file must make the backend unavailable")
            return
        }
        #expect(reason.contains(file))
        #expect(await backend.problems().first?.contains("No such file") == true)
        try Saslpasswd2.set("foo", password: "pw", realm: "example.com", file: file)
        #expect(await check("foo", "example.com", "pw") == .accepted)
        #expect(await backend.problems().isEmpty)
        await backend.shutdown()
    }

    @Test func fileThatIsNotABerkeleyDatabaseIsUnavailable() async throws {
        try Data("this is not a database".utf8).write(to: URL(fileURLWithPath: file))
        guard case .unavailable = await check("foo", "example.com", "pw") else {
            Issue.record("a corrupt file must make the backend unavailable")
            return
        }
        await backend.shutdown()
    }

    @Test func fileRemovedWhileRunningStopsAnswering() async throws {
        try Saslpasswd2.set("foo", password: "pw", realm: "example.com", file: file)
        #expect(await check("foo", "example.com", "pw") == .accepted)
        try FileManager.default.removeItem(atPath: file)
        guard case .unavailable = await check("foo", "example.com", "pw") else {
            Issue.record("a removed file must not be answered from memory")
            return
        }
        await backend.shutdown()
    }

    @Test func settingsDecodeStrictly() throws {
        let kind = SASLDBBackendKind()
        let config = try ConfigLoader.parse(yaml: "backends:\n  m: { type: sasldb, path: /etc/sasldb2, threads: 3 }\n", file: "t.yaml", catalog: BuiltinBackends.catalog)
        let settings = try #require(config.backends.first?.settings as? SASLDBSettings)
        #expect(settings.path == "/etc/sasldb2")
        #expect(settings.threads == 3)
        #expect(kind.type == "sasldb")
        #expect(settings.rereadAfter == .seconds(2))
        let quick = try ConfigLoader.parse(yaml: "backends:\n  m: { type: sasldb, reread_after: 500ms }\n", file: "t.yaml", catalog: BuiltinBackends.catalog)
        #expect((quick.backends.first?.settings as? SASLDBSettings)?.rereadAfter == .milliseconds(500))
        #expect(throws: ConfigError.self) {
            try ConfigLoader.parse(yaml: "backends:\n  m: { type: sasldb, reread_after: 0s }\n", file: "t.yaml", catalog: BuiltinBackends.catalog)
        }
        #expect(throws: ConfigError.self) {
            try ConfigLoader.parse(yaml: "backends:\n  m: { type: sasldb, file: /etc/sasldb2 }\n", file: "t.yaml", catalog: BuiltinBackends.catalog)
        }
        #expect(throws: ConfigError.self) {
            try ConfigLoader.parse(yaml: "backends:\n  m: { type: sasldb, path: etc/sasldb2 }\n", file: "t.yaml", catalog: BuiltinBackends.catalog)
        }
    }
}
