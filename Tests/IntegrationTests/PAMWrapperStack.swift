import Foundation
import Glibc
import SocketTestSupport
import Synchronization

/// PAM service files in a sandbox folder, run by cwrap's pam_wrapper instead of /etc/pam.d.
///
/// The daemon is started with `environment`: pam_wrapper (LD_PRELOADed) makes the real libpam
/// read service files from `directory`, which name modules by absolute path: pam_matrix (a
/// test module checking a `user:password:service` file) and Linux-PAM's own modules.
struct PAMWrapperStack {
    let directory: String
    let sandbox: Sandbox

    init(sandbox: Sandbox) throws {
        self.sandbox = sandbox
        directory = try sandbox.makeDirectory("pam.d")
        // Without an `other` file pam_wrapper prints an error for every transaction; a
        // deny-all fallback is also what a real /etc/pam.d/other should hold.
        try addService("other", lines: ["auth required \(Self.module("pam_deny.so"))", "account required \(Self.module("pam_deny.so"))"])
    }

    var environment: [String: String] {
        ["LD_PRELOAD": "libpam_wrapper.so", "PAM_WRAPPER": "1", "PAM_WRAPPER_SERVICE_DIR": directory]
    }

    /// Writes a pam_matrix password file (`user:password:allowed service` per line).
    func passdb(_ name: String, _ entries: [(user: String, password: String, service: String)]) throws -> String {
        for entry in entries { TestSecrets.register(entry.password) }
        return try sandbox.write(entries.map { "\($0.user):\($0.password):\($0.service)\n" }.joined(), to: name)
    }

    /// A service whose auth and account stages are pam_matrix on `passdb`, after `before`
    /// (extra auth lines such as pam_faildelay or pam_succeed_if).
    func addMatrixService(_ name: String, passdb: String, before: [String] = [], options: String = "") throws {
        let matrix = "\(Self.matrixModule) passdb=\(passdb) \(options)"
        try addService(name, lines: before.map { "auth required \($0)" } + ["auth required \(matrix)", "account required \(matrix)"])
    }

    func addService(_ name: String, lines: [String]) throws {
        try sandbox.write(lines.joined(separator: "\n") + "\n", to: "pam.d/\(name)")
    }

    /// Starts a process that preloads pam_wrapper, alone.
    ///
    /// At start pam_wrapper picks its folder, `/tmp/pam.<letter>`, by looking for a letter not yet
    /// taken and then creating it, and it ignores a failed `mkdir`: two daemons started together
    /// can pick the same folder, and the first to exit deletes the other's service files (whose
    /// checks then fail with "no default config other"; CI saw it). So starts take turns until
    /// the child's pid is in its folder, after which the next start sees the letter taken.
    static func startAlone(_ process: Process, spawn: (Process) throws -> Void) throws {
        try starts.withLock { _ in
            try spawn(process)
            let pid = String(process.processIdentifier)
            let deadline = ContinuousClock.now + .seconds(10)
            while process.isRunning, ContinuousClock.now < deadline, !hasRuntimeFolder(pid: pid) {
                usleep(2_000)
            }
        }
    }

    private static let starts = Mutex(())

    private static func hasRuntimeFolder(pid: String) -> Bool {
        let letters = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        return letters.contains { ProcessRunner.readText("/tmp/pam.\($0)/pid") == pid }
    }

    /// Debian puts pam_matrix under the multiarch library folder.
    static var matrixModule: String {
        let candidates = ["x86_64-linux-gnu", "aarch64-linux-gnu", "arm-linux-gnueabihf", "i386-linux-gnu"]
            .map { "/usr/lib/\($0)/pam_wrapper/pam_matrix.so" }
        return candidates.first { FileManager.default.fileExists(atPath: $0) } ?? candidates[0]
    }

    /// A Linux-PAM module (pam_unix.so, pam_faildelay.so…) by absolute path.
    static func module(_ name: String) -> String {
        let candidates = ["x86_64-linux-gnu", "aarch64-linux-gnu", "arm-linux-gnueabihf", "i386-linux-gnu"]
            .flatMap { ["/lib/\($0)/security/\(name)", "/usr/lib/\($0)/security/\(name)"] }
        return candidates.first { FileManager.default.fileExists(atPath: $0) } ?? candidates[0]
    }
}
