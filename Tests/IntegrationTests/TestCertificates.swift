import Foundation
import SocketTestSupport

/// A throwaway certificate authority and a server certificate it signed for 127.0.0.1 and
/// localhost, made with the openssl command-line tool for the TLS tests.
struct TestCertificates {
    let caFile: String
    let certFile: String
    let keyFile: String

    /// Writes `<name>-ca.pem`, `<name>-server.pem` and `<name>-server.key` into `directory`.
    static func make(in directory: String, name: String) async throws -> TestCertificates {
        let openssl = try IntegrationEnvironment.systemTool("openssl")
        let base = (directory as NSString).appendingPathComponent(name)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try await run(openssl, ["req", "-x509"] + ec + [
            "-keyout", "\(base)-ca.key", "-out", "\(base)-ca.pem", "-days", "2", "-subj", "/CN=authmux test CA \(name)",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        try await run(openssl, ["req"] + ec + ["-keyout", "\(base)-server.key", "-out", "\(base)-server.csr", "-subj", "/CN=localhost"])
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
            .write(toFile: "\(base)-ext.cnf", atomically: true, encoding: .utf8)
        try await run(openssl, [
            "x509", "-req", "-in", "\(base)-server.csr", "-CA", "\(base)-ca.pem", "-CAkey", "\(base)-ca.key",
            "-CAcreateserial", "-out", "\(base)-server.pem", "-days", "2", "-extfile", "\(base)-ext.cnf",
        ])
        return TestCertificates(caFile: "\(base)-ca.pem", certFile: "\(base)-server.pem", keyFile: "\(base)-server.key")
    }

    /// A client certificate signed by this CA: `<name>-client.pem` and `<name>-client.key`.
    func makeClient(name: String) async throws -> (certFile: String, keyFile: String) {
        let openssl = try IntegrationEnvironment.systemTool("openssl")
        let base = ((caFile as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
        let caKey = caFile.replacingOccurrences(of: "-ca.pem", with: "-ca.key")
        try await Self.run(openssl, [
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "\(base)-client.key", "-out", "\(base)-client.csr", "-subj", "/CN=authmux client",
        ])
        try "extendedKeyUsage=clientAuth\n".write(toFile: "\(base)-client-ext.cnf", atomically: true, encoding: .utf8)
        try await Self.run(openssl, [
            "x509", "-req", "-in", "\(base)-client.csr", "-CA", caFile, "-CAkey", caKey, "-CAcreateserial",
            "-out", "\(base)-client.pem", "-days", "2", "-extfile", "\(base)-client-ext.cnf",
        ])
        return ("\(base)-client.pem", "\(base)-client.key")
    }

    /// Copies the server's certificate, key and the CA into `directory` as `server.pem`,
    /// `server.key` (mode 0600: servers refuse a key others may read) and `ca.pem`, for a server
    /// that must own its files (PostgreSQL, MariaDB, run as their own accounts).
    func copyForServer(into directory: String) throws {
        try FileManager.default.copyItem(atPath: certFile, toPath: "\(directory)/server.pem")
        try FileManager.default.copyItem(atPath: keyFile, toPath: "\(directory)/server.key")
        try FileManager.default.copyItem(atPath: caFile, toPath: "\(directory)/ca.pem")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: "\(directory)/server.key")
    }

    private static func run(_ tool: String, _ arguments: [String]) async throws {
        let result = try await ProcessRunner.run(tool, arguments)
        guard result.termination == .exited(0) else { throw IntegrationError("openssl failed: \(result)") }
    }
}
