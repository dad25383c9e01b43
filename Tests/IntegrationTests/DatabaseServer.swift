import SocketTestSupport

/// A database server a test started (`PostgresServer`, `MariaDBServer`): what the checks every
/// sql driver shares need of it.
protocol DatabaseServer: AnyObject {
    /// `127.0.0.1:PORT`, as a `hosts:` entry.
    var host: String { get }
    /// Chosen free at the first start, and kept for the starts after `stop`.
    var port: Int { get set }
    var log: String { get }
    var isRunning: Bool { get }
    /// Starts the server again after `stop`, on the same port and data.
    func launch() async throws
    /// SIGSTOP to the server and its processes: it keeps its sockets and answers nothing.
    func hang() async throws
    func resume()
    func stop() async
    /// Runs SQL as the administrator in the test database.
    func execute(_ sql: String) async throws
}

extension DatabaseServer {
    /// Runs `body`, then stops the server however `body` ends; an error carries its log.
    func serving<T>(_ body: (Self) async throws -> T) async throws -> T {
        do {
            let result = try await body(self)
            await stop()
            return result
        } catch {
            let text = log
            await stop()
            throw IntegrationError("\(error)\n--- \(Self.self) log ---\n\(text.suffix(3000))")
        }
    }

    /// The first start. A port found free can be taken by another test's outgoing connection
    /// before the server binds it, and the server then exits at once: up to three ports.
    func launchOnAFreePort() async throws {
        var attempt = 1
        while true {
            do {
                return try await launch()
            } catch where attempt < 3 && !isRunning {
                attempt += 1
                port = try LocalTCP.freePort()
            }
        }
    }

    /// alice@example.com in `mailbox`, with `SQLSetup.password` as mkpasswd hashes it.
    func addAlice() async throws {
        let hash = try await HashTools.mkpasswd("sha512crypt", SQLSetup.password)
        try await execute("INSERT INTO mailbox (username, password) VALUES ('alice@example.com', '\(hash)')")
    }
}
