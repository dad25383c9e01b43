import Foundation
import SocketTestSupport

/// A private Postfix (Debian's package) started for one test: its own configuration, queue and
/// log under a temporary directory, its SMTP server on a loopback port, SASL through
/// `smtpd_sasl_type = dovecot` on the socket the test names. The system's Postfix is left alone.
final class PostfixInstance {
    let directory: String
    let port: Int
    private var configDirectory: String { directory + "/conf" }

    var log: String { ProcessRunner.readText(directory + "/maillog") }

    private init(directory: String, port: Int) {
        self.directory = directory
        self.port = port
    }

    /// Where a socket for Postfix goes: its queue's `private` directory, which `smtpd_sasl_path`
    /// names relative to the queue (`private/NAME`).
    var privateDirectory: String { directory + "/queue/private" }

    /// Starts Postfix with `smtpd_sasl_path = saslPath` and returns once it accepts SMTP.
    static func start(saslPath: String) async throws -> PostfixInstance {
        var template = Array("/tmp/amx-pf-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw IntegrationError("mkdtemp: \(String(cString: strerror(errno)))") }
        let directory = String(cString: made)
        // Postfix's processes run as `postfix` and must reach their queue under here.
        chmod(directory, 0o755)
        let instance = PostfixInstance(directory: directory, port: try freeLoopbackPort())
        do {
            try instance.configure(saslPath: saslPath)
            let postfix = try IntegrationEnvironment.systemTool("postfix")
            for arguments in [["post-install", "create-missing"], ["start"]] {
                let result = try await ProcessRunner.run(postfix, ["-c", instance.configDirectory] + arguments, timeout: .seconds(60))
                guard result.termination == .exited(0) else {
                    throw IntegrationError("postfix \(arguments.joined(separator: " ")) failed: \(result)\n\(instance.log)")
                }
            }
            try await instance.waitUntilListening()
            return instance
        } catch {
            await instance.stop()
            throw error
        }
    }

    /// Stops Postfix and removes its directory.
    func stop() async {
        if let postfix = try? IntegrationEnvironment.systemTool("postfix") {
            _ = try? await ProcessRunner.run(postfix, ["-c", configDirectory, "stop"], timeout: .seconds(60))
        }
        if !IntegrationEnvironment.keepTemporaryDirectories { try? FileManager.default.removeItem(atPath: directory) }
    }

    private func configure(saslPath: String) throws {
        try FileManager.default.createDirectory(atPath: configDirectory, withIntermediateDirectories: true)
        for name in ["queue", "data"] {
            try FileManager.default.createDirectory(atPath: "\(directory)/\(name)", withIntermediateDirectories: true)
        }
        guard let account = getpwnam("postfix") else { throw IntegrationError("no postfix account: is the postfix package installed?") }
        chown("\(directory)/data", account.pointee.pw_uid, account.pointee.pw_gid)
        let main = """
            compatibility_level = 3.6
            queue_directory = \(directory)/queue
            data_directory = \(directory)/data
            maillog_file = \(directory)/maillog
            maillog_file_prefixes = \(directory)
            inet_interfaces = 127.0.0.1
            inet_protocols = ipv4
            myhostname = mx.example.test
            mydestination =
            smtpd_tls_security_level = none
            # What the README tells an administrator to add:
            smtpd_sasl_auth_enable = yes
            smtpd_sasl_type = dovecot
            smtpd_sasl_path = \(saslPath)

            """
        try main.write(toFile: configDirectory + "/main.cf", atomically: true, encoding: .utf8)
        // Debian's master.cf, with SMTP on the test's port and no service chrooted (the queue is
        // not where Debian's chroot expects it).
        let system = try String(contentsOfFile: "/etc/postfix/master.cf", encoding: .utf8)
        var lines: [String] = []
        for line in system.split(separator: "\n", omittingEmptySubsequences: false) {
            var fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let first = line.first, first != "#", first != " ", first != "\t", fields.count >= 8 else {
                lines.append(String(line))
                continue
            }
            if fields[0] == "smtp" && fields[1] == "inet" { fields[0] = "127.0.0.1:\(port)" }
            fields[4] = "n"
            lines.append(fields.joined(separator: "  "))
        }
        try lines.joined(separator: "\n").write(toFile: configDirectory + "/master.cf", atomically: true, encoding: .utf8)
    }

    private func waitUntilListening() async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while !Self.accepts(port: port) {
            guard ContinuousClock.now < deadline else { throw IntegrationError("Postfix never listened on \(port)\n\(log)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// A port nothing listens on now (the kernel's pick for a socket bound to port 0).
    static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw IntegrationError("no free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }
}
