import Foundation
import Glibc
import SocketTestSupport

/// A throwaway OpenLDAP slapd from Debian's package, owned by one test: its own slapd.conf,
/// an mdb database per suffix in the sandbox loaded with slapadd, listening on 127.0.0.1 at
/// free ports (ldap://, and ldaps:// when certificates are given), run in the foreground
/// (`-d 0`) as a child of the test and stopped by its PID. It never touches the system's slapd.
final class SlapdServer {
    static let adminPassword = "admin-pw"

    let directory: String
    let suffixes: [String]
    let port: Int
    let tlsPort: Int
    let certificates: TestCertificates?
    /// `TLSVerifyClient demand`: TLS clients without a certificate from the CA are refused.
    let requireClientCertificate: Bool
    /// Log every operation (`-d 256`, slapd's "stats" level) to slapd.log, so a test can count
    /// the searches and binds a check cost.
    let logOperations: Bool
    private let server: ServerProcess

    var url: String { "ldap://127.0.0.1:\(port)/" }
    var ldapsURL: String { "ldaps://127.0.0.1:\(tlsPort)/" }
    func adminDN(_ suffix: String) -> String { "cn=admin,\(suffix)" }

    private init(
        directory: String, suffixes: [String], port: Int, tlsPort: Int, certificates: TestCertificates?, requireClientCertificate: Bool,
        logOperations: Bool
    ) {
        self.logOperations = logOperations
        self.directory = directory
        self.suffixes = suffixes
        self.port = port
        self.tlsPort = tlsPort
        self.certificates = certificates
        self.requireClientCertificate = requireClientCertificate
        self.server = ServerProcess(logPath: "\(directory)/slapd.log")
    }

    /// Starts a slapd holding `ldif[suffix]` under each suffix, runs `body`, stops it.
    static func with<T>(
        _ sandbox: Sandbox, name: String = "slapd", ldif: [String: String], certificates: TestCertificates? = nil,
        requireClientCertificate: Bool = false, logOperations: Bool = false, _ body: (SlapdServer) async throws -> T
    ) async throws -> T {
        let server = try await start(
            sandbox, name: name, ldif: ldif, certificates: certificates, requireClientCertificate: requireClientCertificate,
            logOperations: logOperations)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            let log = server.log
            await server.stop()
            throw IntegrationError("\(error)\n--- slapd log ---\n\(log.suffix(3000))")
        }
    }

    static func start(
        _ sandbox: Sandbox, name: String, ldif: [String: String], certificates: TestCertificates?, requireClientCertificate: Bool,
        logOperations: Bool = false
    ) async throws -> SlapdServer {
        let directory = try sandbox.makeDirectory(name)
        let suffixes = ldif.keys.sorted()
        func withFreshPorts() throws -> SlapdServer {
            SlapdServer(
                directory: directory, suffixes: suffixes, port: try LocalTCP.freePort(), tlsPort: try LocalTCP.freePort(),
                certificates: certificates, requireClientCertificate: requireClientCertificate, logOperations: logOperations)
        }
        var server = try withFreshPorts()
        try server.writeConfig()
        let slapadd = try IntegrationEnvironment.systemTool("slapadd")
        // slapadd reads the whole slapd.conf, which needs every database's directory.
        for index in suffixes.indices {
            try FileManager.default.createDirectory(atPath: "\(directory)/db\(index)", withIntermediateDirectories: true)
        }
        for (index, suffix) in suffixes.enumerated() {
            let file = "\(directory)/data\(index).ldif"
            try ldif[suffix]!.write(toFile: file, atomically: true, encoding: .utf8)
            let result = try await ProcessRunner.run(slapadd, ["-f", server.configPath, "-b", suffix, "-l", file])
            guard result.termination == .exited(0) else { throw IntegrationError("slapadd failed: \(result)") }
        }
        // A port found free can be taken by another test's outgoing connection before slapd
        // binds it, and slapd then exits at once (at `-d 0` it says nothing): new ports.
        var attempt = 1
        while true {
            do {
                try await server.launch()
                return server
            } catch where attempt < 3 && !server.isRunning {
                attempt += 1
                server = try withFreshPorts()
            }
        }
    }

    var configPath: String { "\(directory)/slapd.conf" }
    var log: String { server.log }
    var isRunning: Bool { server.isRunning }

    private func writeConfig() throws {
        var lines = ["core", "cosine", "nis", "inetorgperson"].map { "include /etc/ldap/schema/\($0).schema" }
        lines += ["pidfile \(directory)/slapd.pid", "argsfile \(directory)/slapd.args", "modulepath /usr/lib/ldap", "moduleload back_mdb"]
        if let certificates {
            lines += [
                "TLSCACertificateFile \(certificates.caFile)", "TLSCertificateFile \(certificates.certFile)",
                "TLSCertificateKeyFile \(certificates.keyFile)",
            ]
            if requireClientCertificate { lines.append("TLSVerifyClient demand") }
        }
        for (index, suffix) in suffixes.enumerated() {
            lines += [
                "database mdb", "suffix \"\(suffix)\"", "rootdn \"\(adminDN(suffix))\"", "rootpw \(Self.adminPassword)",
                "directory \(directory)/db\(index)", "maxsize 10485760",
                "access to attrs=userPassword by anonymous auth by self write by * none",
                "access to * by * read",
            ]
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Starts slapd (again, after `stop`, on the same ports and database) and waits until it
    /// answers an anonymous whoami and its pidfile names it. The probe goes over TCP, so it
    /// alone cannot tell this slapd from another test's that holds the same port (this one
    /// then fails to bind it and exits a moment later); slapd writes its pidfile only once
    /// every listener is bound.
    func launch() async throws {
        var urls = url
        if certificates != nil { urls += " " + ldapsURL }
        try server.launch([try IntegrationEnvironment.systemTool("slapd"), "-f", configPath, "-h", urls, "-d", logOperations ? "256" : "0"])
        let whoami = try IntegrationEnvironment.systemTool("ldapwhoami")
        let deadline = ContinuousClock.now + .seconds(40)
        while true {
            guard server.isRunning else { throw IntegrationError("slapd exited at start:\n\(log)") }
            // A probe that hangs on a loaded machine is killed and tried again, not fatal.
            let result = try? await ProcessRunner.run(whoami, ["-x", "-H", url], timeout: .seconds(10))
            if result?.termination == .exited(0), pidfileNamesThisSlapd() { return }
            guard ContinuousClock.now < deadline else { throw IntegrationError("slapd never answered on \(url):\n\(log)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    private func pidfileNamesThisSlapd() -> Bool {
        let written = ProcessRunner.readText("\(directory)/slapd.pid").trimmingCharacters(in: .whitespacesAndNewlines)
        return server.pid.map { written == "\($0)" } ?? false
    }

    /// SIGSTOP or SIGCONT to the slapd this object started: a stopped slapd keeps its
    /// connections and its listening socket (the kernel still completes handshakes) but
    /// answers nothing, like a hung server.
    func send(_ signal: Int32) { server.send(signal) }

    /// SIGSTOP, then waits until the kernel reports slapd stopped: the signal is delivered
    /// asynchronously, and a check sent before it takes effect would still be answered.
    func hang() async throws { try await server.hang() }

    /// `signal` (SIGTERM: an orderly stop; SIGKILL: a crash) to the slapd this object started,
    /// by its PID, then SIGKILL if it lingers. A stopped slapd is continued first.
    func stop(signal: Int32 = SIGTERM) async { await server.stop(signal: signal) }

    /// Runs ldapmodify as the suffix's rootdn.
    func modify(_ ldif: String, suffix: String) async throws {
        try await administer("ldapmodify", [], stdin: ldif, suffix: suffix)
    }

    /// Runs an ldap-utils tool (ldapmodify, ldapmodrdn, ldapdelete) as the suffix's rootdn.
    func administer(_ tool: String, _ arguments: [String], stdin: String = "", suffix: String) async throws {
        let result = try await ProcessRunner.run(
            try IntegrationEnvironment.systemTool(tool),
            ["-x", "-H", url, "-D", adminDN(suffix), "-w", Self.adminPassword] + arguments, stdin: stdin)
        guard result.termination == .exited(0) else { throw IntegrationError("\(tool) failed: \(result)") }
    }

    /// Operation lines of slapd's log (with `logOperations`) that contain every one of `parts`:
    /// `count("SRCH base=", "(uid=alice)")` is how many searches for alice slapd answered.
    func count(_ parts: String...) -> Int {
        log.split(separator: "\n").filter { line in parts.allSatisfy { line.contains($0) } }.count
    }
}
