import Foundation
import Glibc
import SocketTestSupport

/// Runs a command to completion with optional standard input and a hard time limit.
///
/// Output goes to files rather than pipes, so a chatty child can never block on a full pipe
/// while the test waits for it to exit; standard input is a file too (or `/dev/null`), so a
/// tool that unexpectedly prompts reads end-of-file instead of hanging the suite. A child that
/// outlives its time limit is killed and the test fails with everything it printed so far.
enum ProcessRunner {
    static func run(
        _ executable: String,
        _ arguments: [String],
        stdin: String? = nil,
        environment: [String: String] = [:],
        timeout: Duration = .seconds(30)
    ) async throws -> ProcessResult {
        let scratch = try Sandbox()
        defer { scratch.remove(evenIfKept: true) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }

        let stdoutPath = try scratch.write("", to: "stdout")
        let stderrPath = try scratch.write("", to: "stderr")
        if let stdin {
            let stdinPath = try scratch.write(stdin, to: "stdin")
            process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: stdinPath))
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))

        let commandLine = ([executable] + arguments).map(shellQuoted).joined(separator: " ")
        try launch(process)

        let deadline = ContinuousClock.now + timeout
        let exited = await waitForExit(process, until: deadline)
        if !exited {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let result = ProcessResult(
            commandLine: commandLine,
            termination: termination(of: process),
            stdout: readText(stdoutPath),
            stderr: readText(stderrPath))
        if !exited {
            throw IntegrationError("timed out after \(timeout), killed: \(result)")
        }
        return result
    }

    /// Starts `process` through `ChildProcess` (one start at a time, an empty signal mask); a
    /// process that preloads pam_wrapper also waits for its folder (`PAMWrapperStack.startAlone`).
    static func launch(_ process: Process) throws {
        if process.environment?["PAM_WRAPPER"] == "1" {
            try PAMWrapperStack.startAlone(process, spawn: spawn)
        } else {
            try spawn(process)
        }
    }

    private static func spawn(_ process: Process) throws {
        try ChildProcess.start { try process.run() }
    }

    /// Polls until `process` has exited or `deadline` passes; returns whether it exited.
    /// Polling keeps this free of callbacks that would have to cross concurrency domains.
    static func waitForExit(_ process: Process, until deadline: ContinuousClock.Instant) async -> Bool {
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                return false
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        process.waitUntilExit()
        return true
    }

    static func termination(of process: Process) -> Termination {
        switch process.terminationReason {
        case .exit: .exited(process.terminationStatus)
        case .uncaughtSignal: .signaled(process.terminationStatus)
        @unknown default: .exited(process.terminationStatus)
        }
    }

    static func readText(_ path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    static func shellQuoted(_ word: String) -> String {
        let plain = word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=@:,+%".contains($0) }
        if plain && !word.isEmpty { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
