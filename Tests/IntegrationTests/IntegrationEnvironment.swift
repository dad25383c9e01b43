import Foundation
import SocketTestSupport

/// Where the binaries under test, the fixtures and the Debian tools live.
///
/// The daemon and client are the ones `swift build` just produced (`AUTHMUX_BIN_DIR` overrides
/// the directory, e.g. for a release build); the SASL tools are the distribution's, found in
/// the sbin directories that a non-login shell often leaves out of `PATH`.
enum IntegrationEnvironment {
    /// The package root: this file is `<root>/Tests/IntegrationTests/IntegrationEnvironment.swift`.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    static var binDirectory: String {
        if let dir = ProcessInfo.processInfo.environment["AUTHMUX_BIN_DIR"], !dir.isEmpty {
            return dir
        }
        return packageRoot.appendingPathComponent(".build/debug").path
    }

    static var fixturesDirectory: String {
        packageRoot.appendingPathComponent("Tests/Fixtures").path
    }

    /// Set `AUTHMUX_KEEP_TEMP=1` to keep each test's temporary directory for a post-mortem.
    static var keepTemporaryDirectories: Bool {
        ProcessInfo.processInfo.environment["AUTHMUX_KEEP_TEMP"] == "1"
    }

    /// The path of one of our executables (`authmuxd`, `authtest`), which must have been built.
    static func builtExecutable(_ name: String) throws -> String {
        let path = (binDirectory as NSString).appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw IntegrationError(
                "\(path) does not exist or is not executable: run `swift build` first "
                    + "(or set AUTHMUX_BIN_DIR to the directory holding authmuxd and authtest)")
        }
        return path
    }

    static func authmuxd() throws -> String { try builtExecutable("authmuxd") }
    static func authtest() throws -> String { try builtExecutable("authtest") }

    /// The path of a system tool such as `testsaslauthd` or `saslpasswd2` (package sasl2-bin)
    /// or `cc`. A missing tool fails the test: these tests never skip.
    static func systemTool(_ name: String) throws -> String {
        let pathDirectories = (ProcessInfo.processInfo.environment["PATH"] ?? "")
            .split(separator: ":").map(String.init)
        for dir in pathDirectories + ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin"] {
            let candidate = (dir as NSString).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        throw IntegrationError(
            "\(name) not found in PATH or the sbin directories; install the test dependencies "
                + "(Debian: sasl2-bin libsasl2-dev libsasl2-modules libdb-dev, see the Makefile)")
    }
}
