import AuthCore
import AuthWire
import Backends
import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

/// `AuthEngine.run(_:then:)` over a real backend: a decision that needs the backend's thread
/// pool is handed on from that pool's thread, never through an event loop (the server writes
/// it to the client from there); a failure's delay comes back as data, for the server to
/// schedule.
@Suite("Answers handed on from a backend's own thread")
struct PoolThreadAnswerTests {
    /// Where `then` ran, and with what.
    struct Delivery: Sendable {
        var outcome: CheckOutcome
        var onTheLoop: Bool
        var threadName: String?
    }

    let directory: String
    let file: String
    let loop = MultiThreadedEventLoopGroup.singleton.next()

    init() throws {
        directory = try Saslpasswd2.temporaryDirectory()
        file = directory + "/sasldb2"
        try Saslpasswd2.set("foo", password: "right", realm: "example.com", file: file)
    }

    func engine(_ backend: SASLDBBackend, failureDelay: FailureDelay = FailureDelay(floor: .zero)) -> AuthEngine {
        let route = Route(number: 1, match: nil, chain: [backend.name], line: 1)
        return AuthEngine(
            rules: RealmRules(defaultRealm: "example.com"), router: Router(routes: [route]), backends: [backend], failureDelay: failureDelay)
    }

    func backend() -> SASLDBBackend {
        SASLDBBackend(name: "mailusers", settings: SASLDBSettings(path: file, threads: 1), logger: Logger(label: "test"))
    }

    /// Runs one check through the callback form and waits (on this thread) for its delivery.
    func deliver(_ engine: AuthEngine, password: String) throws -> Delivery {
        let prepared = try engine.check(login: "foo", realm: "", service: "imap", password: Secret(password))
        let delivered = NIOLockedValueBox<[Delivery]>([])
        let done = DispatchSemaphore(value: 0)
        let loop = self.loop
        engine.run(prepared) { decision in
            delivered.withLockedValue { $0.append(Delivery(outcome: decision.outcome, onTheLoop: loop.inEventLoop, threadName: Thread.current.name)) }
            decision.answered()
            done.signal()
        }
        #expect(done.wait(timeout: .now() + .seconds(30)) == .success, "then was never called")
        // A second call would show up here: `then` runs exactly once.
        #expect(done.wait(timeout: .now() + .milliseconds(100)) == .timedOut)
        return try #require(delivered.withLockedValue { $0 }.first)
    }

    @Test func aCheckThatNeedsThePoolIsAnsweredFromThePoolThread() async throws {
        let sasldb = backend()
        let engine = engine(sasldb)
        // Nothing is read yet, so the first check goes to the pool, which reads the file.
        let first = try deliver(engine, password: "right")
        #expect(first.outcome.result == .ok)
        #expect(!first.onTheLoop, "the answer took a detour through the event loop")
        #expect(first.threadName?.hasPrefix("TP-") == true, "expected one of the backend's NIOThreadPool threads, got \(first.threadName ?? "none")")
        // The snapshot is now current: answered at once, on the calling thread.
        let second = try deliver(engine, password: "right")
        #expect(second.outcome.result == .ok && !second.onTheLoop)
        await engine.shutdown()
    }

    /// The engine schedules nothing: a failure is decided on the thread that has the answer,
    /// with the time its answer is due, and the server holds it.
    @Test func aFailureThatMustWaitComesBackWithItsDueTime() async throws {
        let engine = engine(backend(), failureDelay: FailureDelay(floor: .milliseconds(20)))
        let failed = try deliver(engine, password: "wrong")
        #expect(failed.outcome.result == .failed)
        #expect(failed.outcome.delay == .milliseconds(20))
        #expect(failed.outcome.holdUntil != nil)
        #expect(!failed.onTheLoop, "the engine took a detour through an event loop")
        await engine.shutdown()
    }

    @Test func aStoppedPoolAnswersUnavailableWithoutAThread() async throws {
        let sasldb = backend()
        let engine = engine(sasldb)
        await engine.shutdown()
        let late = try deliver(engine, password: "right")
        #expect(late.outcome.result == .unavailable)
        #expect(late.outcome.trail.first?.verdict == .unavailable(reason: "sasldb worker: thread pool stopped"))
    }
}
