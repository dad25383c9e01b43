import Foundation
import Glibc
import SocketTestSupport

/// A throwaway MariaDB from Debian's mariadb-server, owned by one test: `mariadb-install-db`
/// into the sandbox, `mariadbd` in the foreground as the `mysql` account (when the tests run
/// as root) on 127.0.0.1 at a free port and a socket in its folder, stopped by PID. Never reads
/// /etc/mysql (`--no-defaults`). The database `authmux` holds Postfix Admin's `mailbox` table,
/// readable by `authmux`@`127.0.0.1` with `password`.
final class MariaDBServer: DatabaseServer {
    static let password = "Db-pass 8"
    static let database = "authmux"

    let directory: String
    var port: Int
    let certificates: TestCertificates?
    private let account = ServiceAccount.forServer("mysql")
    private let server: ServerProcess
    var isRunning: Bool { server.isRunning }

    var socketPath: String { "\(directory)/mysqld.sock" }
    var host: String { "127.0.0.1:\(port)" }
    var log: String { server.log }

    private init(directory: String, port: Int, certificates: TestCertificates?) {
        self.directory = directory
        self.port = port
        self.certificates = certificates
        self.server = ServerProcess(logPath: "\(directory)/mariadbd.log")
    }

    static func with<T>(_ sandbox: Sandbox, name: String = "mariadb", certificates: TestCertificates? = nil, _ body: (MariaDBServer) async throws -> T) async throws -> T {
        try await start(sandbox, name: name, certificates: certificates).serving(body)
    }

    static func start(_ sandbox: Sandbox, name: String, certificates: TestCertificates?) async throws -> MariaDBServer {
        let directory = try sandbox.makeDirectory(name)
        let server = MariaDBServer(directory: directory, port: try LocalTCP.freePort(), certificates: certificates)
        try certificates?.copyForServer(into: directory)
        try FileManager.default.createDirectory(atPath: "\(directory)/data", withIntermediateDirectories: true)
        try await server.account.own(directory, sandbox: sandbox)
        var install = [
            try IntegrationEnvironment.systemTool("mariadb-install-db"), "--no-defaults", "--datadir=\(directory)/data",
            "--auth-root-authentication-method=normal", "--skip-test-db",
        ]
        if let user = server.accountName { install.append("--user=\(user)") }
        let installed = try await ProcessRunner.run(install[0], Array(install.dropFirst()), timeout: .seconds(180))
        guard installed.termination == .exited(0) else { throw IntegrationError("mariadb-install-db failed: \(installed)") }
        try await server.launchOnAFreePort()
        try await server.sql("""
            CREATE DATABASE \(database);
            CREATE USER 'authmux'@'127.0.0.1' IDENTIFIED BY '\(password)'\(certificates != nil ? " REQUIRE SSL" : "");
            CREATE TABLE \(database).mailbox (username varchar(255) NOT NULL, password varchar(255), active tinyint(1) NOT NULL DEFAULT 1);
            GRANT SELECT ON \(database).mailbox TO 'authmux'@'127.0.0.1';
            """, database: nil)
        return server
    }

    private var accountName: String? { account.name }

    /// Starts `mariadbd` (again, after `stop`) and waits until it answers on its socket.
    func launch() async throws {
        var command = [
            try IntegrationEnvironment.systemTool("mariadbd"), "--no-defaults", "--datadir=\(directory)/data", "--socket=\(socketPath)",
            "--port=\(port)", "--bind-address=127.0.0.1", "--pid-file=\(directory)/mariadbd.pid", "--skip-name-resolve",
            "--innodb-buffer-pool-size=16M", "--skip-log-bin",
        ]
        if let accountName { command.append("--user=\(accountName)") }
        if certificates != nil {
            command += ["--ssl-cert=\(directory)/server.pem", "--ssl-key=\(directory)/server.key", "--ssl-ca=\(directory)/ca.pem"]
        }
        // mariadbd drops to --user itself: it is started as root when the tests are.
        try server.launch(command)
        let deadline = ContinuousClock.now + .seconds(90)
        while true {
            guard server.isRunning else { throw IntegrationError("mariadbd exited at start:\n\(log.suffix(3000))") }
            if (try? await sql("SELECT 1", database: nil)) != nil { return }
            guard ContinuousClock.now < deadline else { throw IntegrationError("mariadbd never answered on \(socketPath):\n\(log.suffix(3000))") }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Runs `sql` as root over the server's socket.
    func sql(_ sql: String, database: String? = MariaDBServer.database) async throws {
        var arguments = ["--no-defaults", "--socket=\(socketPath)", "-u", "root", "--batch", "-e", sql]
        if let database { arguments.append(database) }
        let result = try await ProcessRunner.run(try IntegrationEnvironment.systemTool("mariadb"), arguments, timeout: .seconds(20))
        guard result.termination == .exited(0) else { throw IntegrationError("mariadb failed: \(result)") }
    }

    func execute(_ sql: String) async throws { try await self.sql(sql) }

    func hang() async throws { try await server.hang() }
    func resume() { server.resume() }
    func stop() async { await server.stop() }
}
