import Foundation
import SocketTestSupport

/// A private Postfix (Debian's package) started for one test: its own configuration, queue and
/// log under a temporary directory, its SMTP server on a Unix socket in that queue (no port that
/// another test could take first), SASL through `smtpd_sasl_type = dovecot` on the socket the
/// test names. The system's Postfix is left alone.
final class PostfixInstance {
    let directory: String
    private var configDirectory: String { directory + "/conf" }
    /// Where smtpd answers SMTP (a `unix` service; smtpd takes such a client for localhost).
    var smtpSocket: String { directory + "/queue/public/smtp-test" }
    /// Where a socket for Postfix goes: its queue's `private` directory, which `smtpd_sasl_path`
    /// names relative to the queue (`private/NAME`).
    var privateDirectory: String { directory + "/queue/private" }

    var log: String { ProcessRunner.readText(directory + "/maillog") }

    private init(directory: String) {
        self.directory = directory
    }

    /// Configures Postfix with `smtpd_sasl_path = saslPath` and creates its queue, whose
    /// `private` directory then takes the door's socket. Start it with `start()` once the door
    /// answers: an smtpd that finds no SASL socket exits, and master then throttles smtpd for a
    /// minute.
    static func prepare(saslPath: String) async throws -> PostfixInstance {
        var template = Array("/tmp/amx-pf-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw IntegrationError("mkdtemp: \(String(cString: strerror(errno)))") }
        let directory = String(cString: made)
        // Postfix's processes run as `postfix` and must reach their queue under here.
        chmod(directory, 0o755)
        let instance = PostfixInstance(directory: directory)
        do {
            try instance.configure(saslPath: saslPath)
            try await instance.postfix(["post-install", "create-missing"])
            return instance
        } catch {
            await instance.stop()
            throw error
        }
    }

    /// Starts Postfix and returns once it accepts SMTP.
    func start() async throws {
        try await postfix(["start"])
        let deadline = ContinuousClock.now + .seconds(30)
        while !RawSaslauthdClient.canConnect(to: smtpSocket) {
            guard ContinuousClock.now < deadline else { throw IntegrationError("Postfix never listened on \(smtpSocket)\n\(log)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    private func postfix(_ arguments: [String]) async throws {
        let result = try await ProcessRunner.run(
            try IntegrationEnvironment.systemTool("postfix"), ["-c", configDirectory] + arguments, timeout: .seconds(60))
        guard result.termination == .exited(0) else {
            throw IntegrationError("postfix \(arguments.joined(separator: " ")) failed: \(result)\n\(log)")
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
        // Debian's master.cf without its port-25 smtpd, with one on a Unix socket instead, and no
        // service chrooted (the queue is not where Debian's chroot expects it).
        let system = try String(contentsOfFile: "/etc/postfix/master.cf", encoding: .utf8)
        var lines: [String] = []
        for line in system.split(separator: "\n", omittingEmptySubsequences: false) {
            var fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let first = line.first, first != "#", first != " ", first != "\t", fields.count >= 8 else {
                lines.append(String(line))
                continue
            }
            if fields[0] == "smtp" && fields[1] == "inet" { continue }
            fields[4] = "n"
            lines.append(fields.joined(separator: "  "))
        }
        lines.append("smtp-test  unix  n  -  n  -  -  smtpd")
        try lines.joined(separator: "\n").write(toFile: configDirectory + "/master.cf", atomically: true, encoding: .utf8)
    }
}
