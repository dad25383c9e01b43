import AuthCore
import AuthWire
@testable import Backends
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// A sasldb of 50,000 users (written with db5.3_load), changed by the real saslpasswd2 while
/// the backend serves it: every change is seen by the next check without the file being read
/// whole again, and a writer changing other users never costs a valid user a right answer.
/// Counted, never timed: how fast this is lives in bench/sasldb-scale.sh.
@Suite("sasldb at scale, changed by saslpasswd2", .timeLimit(.minutes(5)))
struct SASLDBScaleTests {
    static let users = 50_000
    static let realm = "scale.example"
    let directory: String
    let file: String

    init() throws {
        directory = try Saslpasswd2.temporaryDirectory()
        file = directory + "/sasldb2"
        try GeneratedSasldb.write(count: Self.users, realm: Self.realm, file: file)
    }

    func backend(rereadAfter: TimeAmount) -> SASLDBBackend {
        SASLDBBackend(name: "scale", settings: SASLDBSettings(path: file, threads: 2, rereadAfter: rereadAfter), logger: Logger(label: "test"))
    }

    func check(_ backend: SASLDBBackend, _ user: String, _ password: String) async -> BackendVerdict {
        await backend.verdict(user: user, realm: Self.realm, password: Secret(password))
    }

    func fromMemory(_ backend: SASLDBBackend, _ index: Int) -> BackendAnswer? {
        backend.answerNow(SASLDBKey(user: ByteString(GeneratedSasldb.user(index)), realm: ByteString(Self.realm)), password: Secret(GeneratedSasldb.password(index)))
    }

    @Test func aChangeAnAddAndADeleteAreSeenOnTheNextCheckWithoutReadingTheWholeFile() async throws {
        let backend = backend(rereadAfter: .hours(1))
        #expect(await backend.problems().isEmpty)
        #expect(backend.wholeReads == 1)
        #expect(fromMemory(backend, 7) == BackendAnswer(verdict: .accepted), "an unchanged file answers from memory")
        #expect(await check(backend, GeneratedSasldb.user(Self.users - 1), GeneratedSasldb.password(Self.users - 1)) == .accepted)

        try Saslpasswd2.set(GeneratedSasldb.user(7), password: "changed-7", realm: Self.realm, file: file)
        #expect(fromMemory(backend, 9) == nil, "a change is pending: nothing is answered from the old copy")
        #expect(await check(backend, GeneratedSasldb.user(7), "changed-7") == .accepted)
        #expect(await check(backend, GeneratedSasldb.user(7), GeneratedSasldb.password(7)) == .rejected(reason: "wrong password"))
        #expect(await check(backend, GeneratedSasldb.user(9), GeneratedSasldb.password(9)) == .accepted)

        try Saslpasswd2.set("newcomer", password: "newcomer-pw", realm: Self.realm, file: file)
        #expect(await check(backend, "newcomer", "newcomer-pw") == .accepted)
        try Saslpasswd2.delete(GeneratedSasldb.user(8), realm: Self.realm, file: file)
        #expect(await check(backend, GeneratedSasldb.user(8), GeneratedSasldb.password(8)) == .unknownUser)
        #expect(await check(backend, "nobody", "pw") == .unknownUser)

        #expect(backend.wholeReads == 1, "each change cost its checks one entry, not the file")
        await backend.shutdown()
    }

    /// While a change is pending, checks that wait for the pool together are looked up
    /// together at one version of the file: each still gets its own verdict, in order — right,
    /// wrong, unknown, the changed user's new and old password — and many checks at once
    /// through `evaluate` get theirs.
    @Test func checksLookedUpTogetherEachGetTheirOwnVerdict() async throws {
        let backend = backend(rereadAfter: .hours(1))
        #expect(await backend.problems().isEmpty)
        try Saslpasswd2.set(GeneratedSasldb.user(7), password: "changed-7", realm: Self.realm, file: file)
        var batch: [SASLDBRequest] = []
        var expected: [BackendVerdict] = []
        for index in 0..<40 {
            let (user, password, verdict): (String, String, BackendVerdict) = switch index % 5 {
            case 0: (GeneratedSasldb.user(index), GeneratedSasldb.password(index), .accepted)
            case 1: (GeneratedSasldb.user(index), GeneratedSasldb.password(index + 1), .rejected(reason: "wrong password"))
            case 2: ("nobody-\(index)", "pw", .unknownUser)
            case 3: (GeneratedSasldb.user(7), "changed-7", .accepted)
            default: (GeneratedSasldb.user(7), GeneratedSasldb.password(7), .rejected(reason: "wrong password"))
            }
            let key = SASLDBKey(user: ByteString(user), realm: ByteString(Self.realm))
            batch.append(SASLDBRequest(lookup: key, password: Secret(password), then: { _ in }))
            expected.append(verdict)
        }
        #expect(backend.checkBlocking(batch) == expected)
        let verdicts = await withTaskGroup(of: (Int, BackendVerdict).self) { group in
            for index in 0..<200 {
                group.addTask {
                    let password = index % 2 == 0 ? GeneratedSasldb.password(index) : "wrong-\(index)"
                    return (index, await check(backend, GeneratedSasldb.user(index), password))
                }
            }
            var all: [Int: BackendVerdict] = [:]
            for await (index, verdict) in group { all[index] = verdict }
            return all
        }
        for index in 0..<200 {
            #expect(verdicts[index] == (index % 2 == 0 ? .accepted : .rejected(reason: "wrong password")), "check \(index)")
        }
        #expect(backend.wholeReads == 1, "answered from the file's entries, not a new copy")
        await backend.shutdown()
    }

    /// Once the file has been quiet for `reread_after`, it is read whole again and checks are
    /// answered from memory again, with every change in.
    @Test func theFileIsReadWholeAgainOnceQuiet() async throws {
        let backend = backend(rereadAfter: .milliseconds(50))
        #expect(await backend.problems().isEmpty)
        try Saslpasswd2.set(GeneratedSasldb.user(7), password: "changed-7", realm: Self.realm, file: file)
        #expect(await check(backend, GeneratedSasldb.user(7), "changed-7") == .accepted)
        let key = SASLDBKey(user: ByteString(GeneratedSasldb.user(7)), realm: ByteString(Self.realm))
        // Waits for the background read (a deadline, not a measurement).
        let deadline = ContinuousClock.now + .seconds(60)
        while backend.answerNow(key, password: Secret("changed-7")) == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(backend.answerNow(key, password: Secret("changed-7")) == BackendAnswer(verdict: .accepted))
        #expect(backend.answerNow(key, password: Secret(GeneratedSasldb.password(7))) == BackendAnswer(verdict: .rejected(reason: "wrong password")))
        #expect(backend.wholeReads == 2)
        await backend.shutdown()
    }

    /// saslpasswd2 rewrites pages of the file in place while a reader checks a user it never
    /// touches: every answer must be the right one (no "unavailable", no wrong verdict), whether
    /// it came from memory, from a point look-up, or from a copy read whole between changes.
    @Test func aWriterChangingOtherUsersNeverCostsAValidUserItsAnswer() async throws {
        let backend = backend(rereadAfter: .milliseconds(30))
        #expect(await backend.problems().isEmpty)
        let done = NIOLockedValueBox(false)
        let rounds = 60
        let writer = Task.detached { [file] in
            defer { done.withLockedValue { $0 = true } }
            for round in 0..<rounds {
                let user = GeneratedSasldb.user(100 + round % 10)
                try Saslpasswd2.set(user, password: "round-\(round)", realm: Self.realm, file: file)
                if round % 10 == 5 { try Saslpasswd2.set("added\(round)", password: "added-pw", realm: Self.realm, file: file) }
                if round % 10 == 9 { try Saslpasswd2.delete(GeneratedSasldb.user(200 + round), realm: Self.realm, file: file) }
            }
        }
        var right = 0, wrong: [String] = []
        while !done.withLockedValue({ $0 }) {
            let good = await check(backend, GeneratedSasldb.user(1), GeneratedSasldb.password(1))
            let bad = await check(backend, GeneratedSasldb.user(2), "not-the-password")
            let unknown = await check(backend, "nobody-\(right)", "pw")
            if good == .accepted, bad == .rejected(reason: "wrong password"), unknown == .unknownUser {
                right += 1
            } else {
                wrong.append("\(good) / \(bad) / \(unknown)")
            }
            // These checks answer without suspending: without a yield this loop would hold one of
            // the few threads every test shares for as long as the writer runs.
            await Task.yield()
        }
        try await writer.value
        #expect(wrong.isEmpty, "\(wrong.count) wrong or unavailable answers among \(right + wrong.count) rounds: \(wrong.prefix(5))")
        #expect(right > 0)
        for round in (rounds - 10)..<rounds {
            #expect(await check(backend, GeneratedSasldb.user(100 + round % 10), "round-\(round)") == .accepted)
        }
        #expect(await check(backend, GeneratedSasldb.user(209), GeneratedSasldb.password(209)) == .unknownUser)
        #expect(await check(backend, "added55", "added-pw") == .accepted)
        await backend.shutdown()
    }
}
