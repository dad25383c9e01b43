import Foundation
import Glibc
import SocketTestSupport

/// Cyrus `saslauthd -a sasldb` in the foreground (`-d`), answering from a sasldb of the test's.
///
/// saslauthd's sasldb mechanism reads only its compiled-in /etc/sasldb2, so it runs in a mount
/// namespace of its own in which the test's file is /etc/sasldb2 (bind-mounted over the host's,
/// or put in an overlay on /etc where the host has none), as bench/lib.sh does; the host's file
/// is never written. Anything that must see the same file runs in that namespace through
/// `inNamespace`. Needs root (mount namespaces).
final class CyrusSaslauthd {
    let pid: pid_t
    let socketPath: String
    private let process: Process

    private init(process: Process, socketPath: String) {
        self.process = process
        self.pid = process.processIdentifier
        self.socketPath = socketPath
    }

    deinit {
        if process.isRunning { kill(pid, SIGKILL) }
    }

    /// Starts saslauthd on `<runDirectory>/mux` and waits until it answers.
    static func start(sasldb: String, runDirectory: String, sandbox: Sandbox) async throws -> CyrusSaslauthd {
        let upper = try sandbox.makeDirectory("etc-upper")
        let work = try sandbox.makeDirectory("etc-work")
        let script = """
            set -e
            if [ -e /etc/sasldb2 ]; then mount --bind "$1" /etc/sasldb2
            else mount -t overlay overlay -o lowerdir=/etc,upperdir="$2",workdir="$3" /etc; cp "$1" /etc/sasldb2; fi
            exec /usr/sbin/saslauthd -a sasldb -n 1 -d -m "$4"
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try IntegrationEnvironment.systemTool("unshare"))
        process.arguments = ["--mount", "--propagation", "private", "sh", "-c", script, "sh", sasldb, upper, work, runDirectory]
        process.standardInput = FileHandle.nullDevice
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: try sandbox.write("", to: "saslauthd.log")))
        process.standardOutput = log
        process.standardError = log
        try ProcessRunner.launch(process)
        let daemon = CyrusSaslauthd(process: process, socketPath: runDirectory + "/mux")
        let deadline = ContinuousClock.now + .seconds(20)
        while !RawSaslauthdClient.canConnect(to: daemon.socketPath) {
            guard process.isRunning, ContinuousClock.now < deadline else {
                throw IntegrationError("saslauthd did not answer on \(daemon.socketPath): \(ProcessRunner.readText(sandbox.file("saslauthd.log")))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return daemon
    }

    /// `command` run in saslauthd's mount namespace, where /etc/sasldb2 is the test's file.
    func inNamespace(_ command: [String], timeout: Duration = .seconds(60)) async throws -> ProcessResult {
        try await ProcessRunner.run(try IntegrationEnvironment.systemTool("nsenter"), ["--mount", "--target", "\(pid)"] + command, timeout: timeout)
    }

    func stop() async {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        if await !ProcessRunner.waitForExit(process, until: ContinuousClock.now + .seconds(10)) {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }
}
