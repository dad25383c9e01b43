import AuthWire
import Foundation
import Logging
import NIOCore
import NIOPosix
@testable import SQLBackend
import SocketTestSupport
import Testing

/// The PostgreSQL store below the daemon, on a real server: queries that waited together go
/// out as one pipelined batch, and each gets its own answer, in order, even when the server
/// refuses some of them with an SQL error (each query has its own sync point, so one error
/// aborts nothing else).
@Suite(.serialized, .timeLimit(.minutes(5)))
struct PostgresPipelineTests {
    @Test func aBatchAnswersEachQueryItsOwnRowsOrItsOwnError() async throws {
        try await Sandbox.with { sandbox in
            try await PostgresServer.with(sandbox) { server in
                let users = 12
                try await server.psql("INSERT INTO mailbox (username, password) SELECT 'user' || i, 'hash' || i FROM generate_series(0, \(users - 1)) i")
                var settings = try Self.settings(server)
                // The second value divides by zero for a login of exactly three bytes: the
                // server refuses that query alone.
                settings.query = try SQLQuery.parse(
                    "SELECT password FROM mailbox WHERE username = %{user} AND 1 / (length(%{login}) - 3) IS NOT NULL", driver: .postgresql)
                let pool = NIOThreadPool(numberOfThreads: 1)
                pool.start()
                let store = PooledSQLStore<PostgresConnection>(settings: settings, backendName: "db", pool: pool, logger: Logger(label: "test"))
                // The pool's one thread is held until every query waits: they leave as batches
                // of at most 32.
                let gate = DispatchSemaphore(value: 0)
                pool.submit { _ in gate.wait() }
                let count = 40  // a batch of 32 (the limit), then one of 8
                let answers = AnswerBox(count: count)
                for index in 0..<count {
                    // Every fifth asks with a three-byte login; some ask for nobody.
                    let user = index % 7 == 6 ? "nobody\(index)" : "user\(index % users)"
                    let login = index % 5 == 4 ? "abc" : "login\(index)"
                    store.fetch([user, login]) { answers.set(index, $0) }
                }
                gate.signal()
                let results = try await answers.all()
                for (index, result) in results.enumerated() {
                    switch result {
                    case .success(let rows) where index % 5 == 4:
                        Issue.record("query \(index) should have failed with division_by_zero: \(rows)")
                    case .failure(let failure) where index % 5 == 4:
                        #expect(failure.message.contains("22012"), "\(index): \(failure.message)")
                    case .failure(let failure):
                        Issue.record("query \(index) failed: \(failure.message)")
                    case .success(let rows) where index % 7 == 6:
                        #expect(rows.count == 0, "\(index): \(rows)")
                    case .success(let rows):
                        #expect(rows.count == 1 && rows.values == [Array("hash\(index % users)".utf8)], "\(index): \(rows)")
                    }
                }
                // One connection carried them all.
                let open = try await server.psql("SELECT count(*) FROM pg_stat_activity WHERE usename = 'authmux'")
                #expect(open == "1", "connections: \(open)")
                await store.close()
                try await pool.shutdownGracefully()
            }
        }
    }

    /// A query still waiting when the backend shuts down (a reload, a stop) runs, and its
    /// connection is then closed rather than kept in a pool nobody will use again.
    @Test func aConnectionGivenBackAfterCloseIsClosed() async throws {
        try await Sandbox.with { sandbox in
            try await PostgresServer.with(sandbox) { server in
                try await server.psql("INSERT INTO mailbox (username, password) VALUES ('alice', 'hash')")
                var settings = try Self.settings(server)
                settings.query = try SQLQuery.parse("SELECT password FROM mailbox WHERE username = %{user}", driver: .postgresql)
                let pool = NIOThreadPool(numberOfThreads: 1)
                pool.start()
                let store = PooledSQLStore<PostgresConnection>(settings: settings, backendName: "db", pool: pool, logger: Logger(label: "test"))
                let gate = DispatchSemaphore(value: 0)
                pool.submit { _ in gate.wait() }
                let answers = AnswerBox(count: 1)
                store.fetch(["alice"]) { answers.set(0, $0) }
                // Closed while the query waits behind the gate: it runs after.
                await store.close()
                gate.signal()
                let result = try await answers.all()[0]
                #expect((try? result.get())?.values == [Array("hash".utf8)], "\(result)")
                // The server notices the closed connection a moment later: asked until it does.
                var open = ""
                for _ in 0..<100 {
                    open = try await server.psql("SELECT count(*) FROM pg_stat_activity WHERE usename = 'authmux'")
                    if open == "0" { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(open == "0", "connections still open after close: \(open)")
                try await pool.shutdownGracefully()
            }
        }
    }

    static func settings(_ server: PostgresServer) throws -> SQLSettings {
        var settings = SQLSettings()
        settings.driver = .postgresql
        settings.hosts = [try #require(SQLHost.parse(server.host, defaultPort: 5432))]
        settings.database = PostgresServer.database
        settings.user = "authmux"
        settings.password = Secret(PostgresServer.password)
        settings.connectTimeout = .seconds(10)
        settings.queryTimeout = .seconds(10)
        settings.threads = 1
        return settings
    }
}

/// The answers of the store's callbacks, each set once from a pool thread.
private final class AnswerBox: @unchecked Sendable {
    private let lock = NSCondition()
    private var results: [Result<SQLRows, SQLFailure>?]

    init(count: Int) { results = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<SQLRows, SQLFailure>) {
        lock.lock()
        #expect(results[index] == nil, "query \(index) answered twice")
        results[index] = result
        lock.broadcast()
        lock.unlock()
    }

    func all() async throws -> [Result<SQLRows, SQLFailure>] {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                self.lock.lock()
                let deadline = Date().addingTimeInterval(60)
                while self.results.contains(where: { $0 == nil }) && self.lock.wait(until: deadline) {}
                let done = self.results.compactMap { $0 }
                let missing = self.results.count - done.count
                self.lock.unlock()
                if missing > 0 { continuation.resume(throwing: IntegrationError("\(missing) queries never answered")) } else { continuation.resume(returning: done) }
            }
        }
    }
}
