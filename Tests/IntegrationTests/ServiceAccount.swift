import Foundation
import Glibc
import SocketTestSupport

/// How a database server the tests start runs: as the system account its Debian package made
/// (`postgres`, `mysql`) when the tests run as root, since neither server runs as root, and as
/// the test's own user otherwise. Its folders in the sandbox are handed to that account.
struct ServiceAccount {
    /// nil: the tests' own account.
    let name: String?

    static func forServer(_ packageAccount: String) -> ServiceAccount {
        geteuid() == 0 ? ServiceAccount(name: packageAccount) : ServiceAccount(name: nil)
    }

    /// `command` run as the account: `setpriv` execs it in place, so the PID the test holds is
    /// the server's own (a signal sent to it reaches the server, not a wrapper).
    func command(_ command: [String]) throws -> [String] {
        guard let name else { return command }
        return [try IntegrationEnvironment.systemTool("setpriv"), "--reuid=\(name)", "--regid=\(name)", "--init-groups", "--"] + command
    }

    /// Gives `path` (and what is under it) to the account, and lets it reach `path` through
    /// the sandbox, whose own folder is private to root.
    func own(_ path: String, sandbox: Sandbox) async throws {
        guard let name else { return }
        chmod(sandbox.path, 0o755)
        let result = try await ProcessRunner.run(try IntegrationEnvironment.systemTool("chown"), ["-R", "\(name):\(name)", path])
        guard result.termination == .exited(0) else { throw IntegrationError("chown failed: \(result)") }
    }
}
