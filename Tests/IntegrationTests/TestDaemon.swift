import Foundation
import Glibc
import SocketTestSupport

/// One real `authmuxd --foreground` process, started from a configuration file, with its
/// standard error captured to a file for failure messages.
///
/// Use `TestDaemon.with(...)`: it waits until the socket answers, runs the test body and then
/// stops the daemon however the body ended, so no test leaves a daemon behind. `deinit` is a
/// last resort that SIGKILLs a daemon still running.
final class TestDaemon {
    let configPath: String
    let socketPath: String
    let stderrPath: String
    private let process: Process
    private(set) var termination: Termination?
    /// The daemon's pid when it is not the launched process itself (see `pidFile` in `start`).
    private var daemonPID: pid_t?

    /// The daemon's pid: signals go there.
    var pid: pid_t { daemonPID ?? process.processIdentifier }

    /// Everything the daemon wrote to standard error so far.
    var log: String { ProcessRunner.readText(stderrPath) }

    /// The end of the log, sized for a failure message.
    var logTail: String {
        let text = log
        let tail = text.count > 6000 ? "…" + String(text.suffix(6000)) : text
        return "--- authmuxd stderr (\(stderrPath)) ---\n\(tail)"
    }

    private init(configPath: String, socketPath: String, stderrPath: String, process: Process) {
        self.configPath = configPath
        self.socketPath = socketPath
        self.stderrPath = stderrPath
        self.process = process
    }

    deinit {
        if process.isRunning {
            if let daemonPID { kill(daemonPID, SIGKILL) }
            kill(process.processIdentifier, SIGKILL)
        }
    }

    /// Starts `authmuxd --config configPath --foreground --debug` and waits until `socketPath`
    /// accepts a connection. Throws, with the daemon's standard error, if it exits first or is
    /// not ready within `readyTimeout`. `launcher` is a command that sets something up and then
    /// execs authmuxd in its own process (`prlimit …`, `setpriv …`), so `pid` is still the
    /// daemon's. A launcher that starts authmuxd as a child instead writes the daemon's pid to
    /// `pidFile`, read once the socket answers, and exits with the daemon's status.
    /// `executable` replaces the authmuxd just built (the installed package's, for one).
    static func start(
        configPath: String,
        socketPath: String,
        logName: String = "authmuxd.stderr",
        extraArguments: [String] = [],
        environment: [String: String] = [:],
        launcher: [String] = [],
        pidFile: String? = nil,
        readyTimeout: Duration = .seconds(20),
        executable: String? = nil
    ) async throws -> TestDaemon {
        let logDirectory = (configPath as NSString).deletingLastPathComponent
        let stderrPath = (logDirectory as NSString).appendingPathComponent(logName)
        guard FileManager.default.createFile(atPath: stderrPath, contents: nil) else {
            throw IntegrationError("cannot create \(stderrPath)")
        }

        let process = Process()
        let command = launcher + [try executable ?? IntegrationEnvironment.authmuxd(), "--config", configPath, "--foreground", "--debug"] + extraArguments
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        process.standardInput = FileHandle.nullDevice
        // One handle for both streams: they share one file offset and never overwrite each other.
        let logHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        process.standardOutput = logHandle
        process.standardError = logHandle
        try ProcessRunner.launch(process)

        let daemon = TestDaemon(
            configPath: configPath, socketPath: socketPath, stderrPath: stderrPath, process: process)
        try await daemon.waitUntilReady(timeout: readyTimeout)
        if let pidFile {
            guard let pid = pid_t(ProcessRunner.readText(pidFile).trimmingCharacters(in: .whitespacesAndNewlines)) else {
                await daemon.cleanUp()
                throw IntegrationError("the launcher wrote no pid to \(pidFile)\n\(daemon.logTail)")
            }
            daemon.daemonPID = pid
        }
        return daemon
    }

    /// Starts a daemon, runs `body` with it and stops it afterwards even when `body` throws.
    /// Errors thrown by `body` carry the daemon's log.
    static func with<T>(
        configPath: String,
        socketPath: String,
        extraArguments: [String] = [],
        environment: [String: String] = [:],
        launcher: [String] = [],
        pidFile: String? = nil,
        executable: String? = nil,
        _ body: (TestDaemon) async throws -> T
    ) async throws -> T {
        let daemon = try await start(
            configPath: configPath, socketPath: socketPath, extraArguments: extraArguments, environment: environment, launcher: launcher,
            pidFile: pidFile, executable: executable)
        let result: T
        do {
            result = try await body(daemon)
        } catch {
            await daemon.cleanUp()
            throw IntegrationError("\(error)\n\(daemon.logTail)")
        }
        await daemon.cleanUp()
        // Every test that runs a daemon (always with --debug) is also a check that no password
        // it used reached the log, error messages included.
        let leaked = TestSecrets.leaked(in: daemon.log)
        guard leaked.isEmpty else {
            throw IntegrationError("passwords reached authmuxd's log: \(leaked)\n\(daemon.logTail)")
        }
        return result
    }

    /// Sends SIGTERM and waits for the daemon to exit; SIGKILLs it and throws if it does not
    /// exit within `timeout`.
    @discardableResult
    func stop(timeout: Duration = .seconds(20)) async throws -> Termination {
        if let termination { return termination }
        send(signal: SIGTERM)
        return try await waitForExit(timeout: timeout)
    }

    func send(signal: Int32) {
        guard termination == nil else { return }
        kill(pid, signal)
    }

    /// Waits for the daemon to exit by itself (after a signal the test sent); SIGKILLs it and
    /// throws if it is still running after `timeout`.
    func waitForExit(timeout: Duration = .seconds(20)) async throws -> Termination {
        if let termination { return termination }
        let exited = await ProcessRunner.waitForExit(process, until: .now + timeout)
        if !exited {
            if let daemonPID { kill(daemonPID, SIGKILL) }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            termination = ProcessRunner.termination(of: process)
            throw IntegrationError("authmuxd did not exit within \(timeout)\n\(logTail)")
        }
        let ended = ProcessRunner.termination(of: process)
        termination = ended
        return ended
    }

    /// SIGKILLs the daemon (nothing of its shutdown runs: the socket file stays behind).
    func killHard() async {
        guard termination == nil else { return }
        if let daemonPID { kill(daemonPID, SIGKILL) }
        kill(process.processIdentifier, SIGKILL)
        _ = await ProcessRunner.waitForExit(process, until: .now + .seconds(20))
        termination = ProcessRunner.termination(of: process)
    }

    /// Waits until the log holds `text`. The daemon writes its log in batches, so a line about
    /// a check that was just answered may reach the file a moment later.
    func waitForLog(containing text: String, timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !log.contains(text) {
            guard ContinuousClock.now < deadline else {
                throw IntegrationError("the log never said \"\(text)\"\n\(logTail)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Stops the daemon if a test left it running; never throws.
    func cleanUp() async {
        guard termination == nil else { return }
        do {
            try await stop()
        } catch {
            await killHard()
        }
    }

    private func waitUntilReady(timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if !process.isRunning {
                process.waitUntilExit()
                let ended = ProcessRunner.termination(of: process)
                termination = ended
                throw IntegrationError(
                    "authmuxd exited before it was ready (\(ended)), config \(configPath)\n\(logTail)")
            }
            if RawSaslauthdClient.canConnect(to: socketPath) {
                return
            }
            if ContinuousClock.now >= deadline {
                await cleanUp()
                throw IntegrationError(
                    "authmuxd did not accept connections on \(socketPath) within \(timeout)\n\(logTail)")
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}
