import AuthCore
import AuthWire
import Backends
import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing

/// The credential cache in front of the real sasldb backend, with files written by the real
/// saslpasswd2: a change to the file must drop what the cache learned from it.
@Suite("Credential cache over sasldb")
struct SASLDBCacheTests {
    let directory: String
    let file: String
    let backend: SASLDBBackend
    let cache = CredentialCache(settings: CacheSettings())
    let engine: AuthEngine

    init() throws {
        directory = try Saslpasswd2.temporaryDirectory()
        file = directory + "/sasldb2"
        backend = SASLDBBackend(name: "mailusers", settings: SASLDBSettings(path: file, threads: 2), logger: Logger(label: "test"))
        let route = Route(number: 1, match: nil, chain: ["mailusers"], line: 1)
        engine = AuthEngine(rules: RealmRules(defaultRealm: "example.com"), router: Router(routes: [route]), backends: [backend], failureDelay: FailureDelay(floor: .zero), cache: cache)
    }

    func check(_ user: String, _ password: String) async throws -> CheckOutcome {
        let prepared = try engine.check(login: user, realm: "", service: "imap", password: Secret(password))
        return await engine.decision(prepared).outcome
    }

    @Test func aSaslpasswd2ChangeDropsTheBackendsEntries() async throws {
        try Saslpasswd2.set("foo", password: "first", realm: "example.com", file: file)
        try Saslpasswd2.set("bar", password: "b", realm: "example.com", file: file)
        #expect(try await check("foo", "first").result == .ok)
        #expect(try await check("foo", "first").cached)
        #expect(try await check("bar", "b").result == .ok)
        #expect(cache.count == 2)

        try Saslpasswd2.set("foo", password: "second", realm: "example.com", file: file)
        let old = try await check("foo", "first")
        #expect(old.result == .failed && !old.cached, "the old password is asked again and refused")
        #expect(!cache.storedEntries.contains { $0.key.asked.first == SASLDBKey(user: "bar", realm: "example.com").bytes }, "every entry from the old file went")
        #expect(try await check("foo", "second").result == .ok)
        #expect(try await check("foo", "second").cached)

        try Saslpasswd2.delete("foo", realm: "example.com", file: file)
        let deleted = try await check("foo", "second")
        #expect(deleted.result == .failed && !deleted.cached, "a deleted user is not answered from memory")
        await engine.shutdown()
    }

    @Test func anUnavailableSasldbIsNeverAnsweredFromMemory() async throws {
        try Saslpasswd2.set("foo", password: "pw", realm: "example.com", file: file)
        #expect(try await check("foo", "pw").result == .ok)
        #expect(try await check("foo", "pw").cached)

        try FileManager.default.removeItem(atPath: file)
        for _ in 0..<2 {
            let missing = try await check("foo", "pw")
            #expect(missing.result == .unavailable && !missing.cached, "\(missing)")
        }
        #expect(cache.count == 0)

        try Data("not a berkeley db".utf8).write(to: URL(fileURLWithPath: file))
        for _ in 0..<2 {
            let corrupt = try await check("foo", "pw")
            #expect(corrupt.result == .unavailable && !corrupt.cached, "\(corrupt)")
        }
        #expect(cache.count == 0)

        try FileManager.default.removeItem(atPath: file)
        try Saslpasswd2.set("foo", password: "pw", realm: "example.com", file: file)
        #expect(try await check("foo", "pw").result == .ok)
        #expect(try await check("foo", "pw").cached, "cached again once the store answers")
        await engine.shutdown()
    }
}
