import Foundation
import Glibc
import SocketTestSupport

/// A throwaway PostgreSQL from Debian's package, owned by one test: `initdb` into the sandbox,
/// `postgres` in the foreground as the `postgres` account (when the tests run as root) on
/// 127.0.0.1 at a free port, its socket in its own folder, stopped by PID. Never touches the
/// system's clusters. The database `authmux` holds Postfix Admin's `mailbox` table, readable by
/// the role `authmux` with `password`.
final class PostgresServer: DatabaseServer {
    static let password = "Db-pass 7"
    static let database = "authmux"

    let directory: String
    var port: Int
    let certificates: TestCertificates?
    private let account = ServiceAccount.forServer("postgres")
    private let server: ServerProcess
    var isRunning: Bool { server.isRunning }

    var dataDirectory: String { "\(directory)/data" }
    var host: String { "127.0.0.1:\(port)" }
    var log: String { server.log }

    private init(directory: String, port: Int, certificates: TestCertificates?) {
        self.directory = directory
        self.port = port
        self.certificates = certificates
        self.server = ServerProcess(logPath: "\(directory)/postgres.log")
    }

    /// The newest installed server's binaries (Debian keeps them out of PATH).
    static func tool(_ name: String) throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        for version in versions.reversed() where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/\(name)") {
            return "\(root)/\(version)/bin/\(name)"
        }
        throw IntegrationError("\(name) not found under \(root); install the test dependencies (Debian: postgresql)")
    }

    /// Starts a server (TLS only, with `certificates`), creates the database, role and table,
    /// runs `body`, stops it.
    static func with<T>(_ sandbox: Sandbox, name: String = "pg", certificates: TestCertificates? = nil, _ body: (PostgresServer) async throws -> T) async throws -> T {
        try await start(sandbox, name: name, certificates: certificates).serving(body)
    }

    static func start(_ sandbox: Sandbox, name: String, certificates: TestCertificates?) async throws -> PostgresServer {
        let directory = try sandbox.makeDirectory(name)
        let server = PostgresServer(directory: directory, port: try LocalTCP.freePort(), certificates: certificates)
        try certificates?.copyForServer(into: directory)
        try await server.account.own(directory, sandbox: sandbox)
        let command = try server.account.command([try tool("initdb"), "-D", server.dataDirectory, "-U", "postgres", "-E", "UTF8", "--no-sync", "--auth-local=trust"])
        let initdb = try await ProcessRunner.run(command[0], Array(command.dropFirst()), timeout: .seconds(120))
        guard initdb.termination == .exited(0) else { throw IntegrationError("initdb failed: \(initdb)") }
        // Password (SCRAM) logins over TCP; with certificates, over TLS only and with a client
        // certificate from the test CA.
        var hba = ["local all all trust"]
        if certificates != nil {
            hba.append("hostssl all all 127.0.0.1/32 scram-sha-256 clientcert=verify-ca")
        } else {
            hba.append("host all all 127.0.0.1/32 scram-sha-256")
        }
        try (hba.joined(separator: "\n") + "\n").write(toFile: "\(server.dataDirectory)/pg_hba.conf", atomically: false, encoding: .utf8)
        try await server.launchOnAFreePort()
        try await server.psql("CREATE DATABASE \(database)", database: "postgres")
        try await server.psql("CREATE ROLE authmux LOGIN PASSWORD '\(password)'", database: "postgres")
        try await server.psql("""
            CREATE TABLE mailbox (username varchar(255) NOT NULL, password varchar(255), active boolean NOT NULL DEFAULT true);
            GRANT SELECT ON mailbox TO authmux;
            """)
        return server
    }

    /// Starts `postgres` (again, after `stop`, on the same port and data) and waits until it
    /// answers.
    func launch() async throws {
        var command = [
            try Self.tool("postgres"), "-D", dataDirectory, "-p", "\(port)", "-k", directory, "-c", "listen_addresses=127.0.0.1",
            "-c", "fsync=off", "-c", "max_connections=40",
        ]
        if certificates != nil {
            command += [
                "-c", "ssl=on", "-c", "ssl_cert_file=\(directory)/server.pem", "-c", "ssl_key_file=\(directory)/server.key",
                "-c", "ssl_ca_file=\(directory)/ca.pem",
            ]
        }
        try server.launch(try account.command(command))
        let deadline = ContinuousClock.now + .seconds(60)
        let ready = try Self.tool("pg_isready")
        while true {
            guard server.isRunning else { throw IntegrationError("postgres exited at start:\n\(log.suffix(3000))") }
            let result = try? await ProcessRunner.run(ready, ["-h", directory, "-p", "\(port)", "-U", "postgres"], timeout: .seconds(10))
            if result?.termination == .exited(0) { return }
            guard ContinuousClock.now < deadline else { throw IntegrationError("postgres never answered on port \(port):\n\(log.suffix(3000))") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Runs `sql` as the superuser over the server's Unix socket; returns what it printed,
    /// unaligned and without headers (a query's values, one row per line).
    @discardableResult
    func psql(_ sql: String, database: String = PostgresServer.database) async throws -> String {
        let result = try await ProcessRunner.run(
            try Self.tool("psql"),
            ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", directory, "-p", "\(port)", "-U", "postgres", "-d", database, "-c", sql])
        guard result.termination == .exited(0) else { throw IntegrationError("psql failed: \(result)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func execute(_ sql: String) async throws { try await psql(sql) }

    func hang() async throws { try await server.hang() }
    func resume() { server.resume() }
    /// SIGINT, PostgreSQL's fast shutdown: SIGTERM (smart) would wait for authmux's pooled
    /// connections to leave.
    func stop() async { await server.stop(signal: SIGINT) }
}
