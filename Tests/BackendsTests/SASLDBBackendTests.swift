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

    @Test func changesBySaslpasswd2AreSeenOnTheNextCheck() async throws {
        try Saslpasswd2.set("foo", password: "first", realm: "example.com", file: file)
        #expect(await check("foo", "example.com", "first") == .accepted)
        try Saslpasswd2.set("foo", password: "second", realm: "example.com", file: file)
        #expect(await check("foo", "example.com", "first") == .rejected(reason: "wrong password"))
        #expect(await check("foo", "example.com", "second") == .accepted)
        try Saslpasswd2.set("new", password: "pw", realm: "example.com", file: file)
        #expect(await check("new", "example.com", "pw") == .accepted)
        try Saslpasswd2.delete("foo", realm: "example.com", file: file)
        #expect(await check("foo", "example.com", "second") == .unknownUser)
        await backend.shutdown()
    }

    @Test func sameLengthPasswordChangesInQuickSuccessionAreSeen() async throws {
        // Same length, so the file's size does not change: only timestamps tell.
        for round in 0..<5 {
            try Saslpasswd2.set("foo", password: "pass\(round)", realm: "example.com", file: file)
            #expect(await check("foo", "example.com", "pass\(round)") == .accepted)
        }
        await backend.shutdown()
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
