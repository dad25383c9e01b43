import Foundation
import Glibc
import SocketTestSupport
import Testing

/// `make deb`'s package, installed with `dpkg -i` on this machine: files where Debian expects
/// them, a configuration `check-config` accepts, the installed daemon serving a socket, lintian
/// without errors, and nothing left after `dpkg --purge` but what policy keeps.
///
/// The package is built here by packaging/build-deb.sh, the script `make deb` runs on the
/// release build, from the debug binaries linked with their Swift runtime (`make static-bins`,
/// which `make test` runs and passes as AUTHMUX_DEB_BIN_DIR): the same files, without the
/// quarter of an hour an optimized build of every dependency costs CI.
@Suite("Debian package", .serialized, .enabled(if: geteuid() == 0, "installs a package: needs root"), .timeLimit(.minutes(5)))
struct DebianPackageTests {
    static let root = IntegrationEnvironment.packageRoot.path

    /// The version as written in the one place it is written.
    static func version() throws -> String {
        let source = try String(contentsOfFile: root + "/Sources/AuthWire/AuthmuxVersion.swift", encoding: .utf8)
        let line = try #require(source.split(separator: "\n").first { $0.contains("static let version = ") })
        return String(line.split(separator: "\"")[1])
    }

    static func run(_ tool: String, _ arguments: [String], timeout: Duration = .seconds(120)) async throws -> ProcessResult {
        try await ProcessRunner.run(try IntegrationEnvironment.systemTool(tool), arguments, timeout: timeout)
    }

    @Test func buildInstallServeAndPurge() async throws {
        try await Sandbox.with { sandbox in
            let version = try Self.version()
            let binaries = try #require(
                ProcessInfo.processInfo.environment["AUTHMUX_DEB_BIN_DIR"].flatMap { $0.isEmpty ? nil : $0 },
                "set AUTHMUX_DEB_BIN_DIR to binaries linked with --static-swift-stdlib (`make static-bins` writes var/deb-bin; `make test` does it)")
            let built = try await ProcessRunner.run(
                Self.root + "/packaging/build-deb.sh", [binaries, sandbox.file("deb")], environment: ["DEB_COMPRESSION": "gzip"], timeout: .seconds(300))
            try #require(built.termination == .exited(0), "\(built)")
            let arch = try await Self.run("dpkg", ["--print-architecture"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let deb = sandbox.file("deb/authmux_\(version)_\(arch).deb")
            #expect(built.stdout.contains(deb), "\(built)")

            let lintian = try await Self.run("lintian", ["--fail-on", "error", "--tag-display-limit", "0", deb], timeout: .seconds(300))
            #expect(lintian.termination == .exited(0), "lintian reports errors: \(lintian)")
            #expect(!lintian.stdout.contains("\nE: ") && !lintian.stdout.hasPrefix("E: "), "\(lintian)")

            let installed = try await Self.run("dpkg", ["-i", deb])
            try #require(installed.termination == .exited(0), "\(installed)")
            do {
                try await expectInstalled(version: version, sandbox: sandbox)
            } catch {
                _ = try? await Self.run("dpkg", ["--purge", "authmux"])
                throw error
            }
            let purged = try await Self.run("dpkg", ["--purge", "authmux"])
            #expect(purged.termination == .exited(0), "\(purged)")
            expectNothingLeft()
        }
    }

    private func expectInstalled(version: String, sandbox: Sandbox) async throws {
        let files = FileManager.default
        for path in ["/usr/sbin/authmuxd", "/usr/bin/authtest"] {
            #expect(files.isExecutableFile(atPath: path), "\(path) installed")
        }
        for (binary, name) in [("/usr/sbin/authmuxd", "authmuxd"), ("/usr/bin/authtest", "authtest")] {
            let printed = try await ProcessRunner.run(binary, ["--version"])
            #expect(printed.termination == .exited(0) && printed.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == version, "\(name) --version: \(printed)")
        }
        let conffiles = try await Self.run("dpkg-query", ["-W", "-f=${Conffiles}", "authmux"])
        #expect(conffiles.stdout.contains("/etc/authmux/authmux.yaml"), "the configuration is a conffile: \(conffiles)")
        for unit in ["authmuxd.service", "authmuxd.socket"] {
            let text = (try? String(contentsOfFile: "/lib/systemd/system/\(unit)", encoding: .utf8)) ?? ""
            #expect(text.contains("Conflicts=saslauthd.service"), "\(unit) installed, and only one of authmuxd and saslauthd serves the socket")
            if unit == "authmuxd.service" {
                #expect(text.contains("\nExecStart=/usr/sbin/authmuxd --config /etc/authmux/authmux.yaml"), "\(unit) runs the packaged binary")
                #expect(!text.contains("=/usr/local/sbin"), "\(unit) names no /usr/local binary")
            }
        }
        for (page, section) in [("authmuxd", "8"), ("authtest", "1"), ("authmux.yaml", "5")] {
            let found = try await Self.run("man", ["-w", section, page])
            #expect(found.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "/usr/share/man/man\(section)/\(page).\(section).gz", "man -w \(section) \(page): \(found)")
            let rendered = try await ProcessRunner.run("/bin/sh", ["-c", "MANWIDTH=80 man \(section) \(page) 2>&1 | head -40"], environment: ["MANPAGER": "cat", "PAGER": "cat"])
            #expect(rendered.stdout.uppercased().contains(page.uppercased()), "man \(section) \(page) renders: \(rendered)")
        }
        let account = try await Self.run("getent", ["passwd", "authmux"])
        #expect(account.termination == .exited(0) && account.stdout.contains("/usr/sbin/nologin"), "run_as's account: \(account)")

        let checked = try await ProcessRunner.run("/usr/sbin/authmuxd", ["check-config"])
        #expect(checked.termination == .exited(0), "the installed configuration: \(checked)")
        #expect(checked.stdout.contains("saslauthd on /run/saslauthd/mux "), "\(checked)")

        // The installed daemon and client on a test socket and sasldb.
        let db = SaslDB(path: sandbox.sasldbPath)
        try await db.setPassword("package-pw", user: "alice", realm: "example.com")
        let config = try sandbox.write("""
            listen:
              - protocol: saslauthd
                path: \(sandbox.socketPath)
            backends:
              mailusers: { type: sasldb, path: \(sandbox.sasldbPath) }
            """, to: "authmux.yaml")
        try await TestDaemon.with(configPath: config, socketPath: sandbox.socketPath, executable: "/usr/sbin/authmuxd") { _ in
            let ok = try await ProcessRunner.run("/usr/bin/authtest", ["-f", sandbox.socketPath, "-u", "alice", "-r", "example.com", "--password-stdin"], stdin: "package-pw\n")
            #expect(ok.termination == .exited(0) && ok.stdout.contains("OK"), "\(ok)")
            let no = try await ProcessRunner.run("/usr/bin/authtest", ["-f", sandbox.socketPath, "-u", "alice", "-r", "example.com", "--password-stdin"], stdin: "wrong\n")
            #expect(no.termination == .exited(1), "\(no)")
        }
    }

    private func expectNothingLeft() {
        let files = FileManager.default
        for path in [
            "/usr/sbin/authmuxd", "/usr/bin/authtest", "/etc/authmux", "/lib/systemd/system/authmuxd.service", "/lib/systemd/system/authmuxd.socket",
            "/usr/share/man/man8/authmuxd.8.gz", "/usr/share/man/man1/authtest.1.gz", "/usr/share/man/man5/authmux.yaml.5.gz", "/usr/share/doc/authmux",
            "/etc/systemd/system/authmuxd.service", "/etc/systemd/system/authmuxd.socket",
            "/var/lib/systemd/deb-systemd-helper-enabled/authmuxd.service.dsh-also", "/var/lib/systemd/deb-systemd-helper-masked/authmuxd.service",
        ] {
            #expect(!files.fileExists(atPath: path), "\(path) is left after purge")
        }
        #expect(getpwnam("authmux") == nil, "the authmux account is removed on purge")
        #expect(getgrnam("authmux") == nil, "the authmux group is removed on purge")
    }
}
