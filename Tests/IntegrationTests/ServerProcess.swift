import Foundation
import Glibc
import SocketTestSupport

/// A database server a test started as its child, its output in a log file: stopped, hung
/// and resumed by PID, with every process it forked (PostgreSQL serves each connection from a
/// child of the postmaster, so a hang must stop those too).
final class ServerProcess {
    let logPath: String
    private var process: Process?

    init(logPath: String) {
        self.logPath = logPath
    }

    deinit {
        if let process, process.isRunning {
            for pid in Self.family(of: process.processIdentifier) { kill(pid, SIGKILL) }
        }
    }

    var log: String { ProcessRunner.readText(logPath) }
    var isRunning: Bool { process?.isRunning ?? false }
    var pid: pid_t? { process?.processIdentifier }

    func launch(_ command: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.standardInput = FileHandle.nullDevice
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try ProcessRunner.launch(process)
        self.process = process
    }

    /// The server and its descendants, from /proc.
    static func family(of root: pid_t) -> [pid_t] {
        var parents: [pid_t: pid_t] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")")
            else { continue }
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            if fields.count > 1, let parent = pid_t(fields[1]) { parents[pid] = parent }
        }
        var family = [root]
        var index = 0
        while index < family.count {
            let parent = family[index]
            family += parents.filter { $0.value == parent }.map(\.key)
            index += 1
        }
        return family
    }

    /// SIGSTOP to the server and its children, then waits until the kernel reports each stopped:
    /// connections and the listening socket stay (the kernel still completes handshakes), and
    /// nothing answers, like a hung server.
    func hang() async throws {
        guard let process, process.isRunning else { throw IntegrationError("server is not running:\n\(log.suffix(2000))") }
        let family = Self.family(of: process.processIdentifier)
        for pid in family { kill(pid, SIGSTOP) }
        for pid in family {
            var stopped = false
            for _ in 0..<500 {
                if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                   let close = stat.lastIndex(of: ")"), stat[stat.index(after: close)...].hasPrefix(" T") {
                    stopped = true
                    break
                }
                if kill(pid, 0) != 0 { stopped = true; break }
                try await Task.sleep(for: .milliseconds(10))
            }
            guard stopped else { throw IntegrationError("pid \(pid) never stopped after SIGSTOP") }
        }
    }

    /// `signal` to the server's own PID only.
    func send(_ signal: Int32) {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, signal)
    }

    func resume() {
        guard let process, process.isRunning else { return }
        for pid in Self.family(of: process.processIdentifier) { kill(pid, SIGCONT) }
    }

    /// SIGCONT, then `signal`, then SIGKILL to every process left if the server lingers.
    func stop(signal: Int32 = SIGTERM) async {
        guard let process, process.isRunning else { return }
        let family = Self.family(of: process.processIdentifier)
        for pid in family { kill(pid, SIGCONT) }
        kill(process.processIdentifier, signal)
        if !(await ProcessRunner.waitForExit(process, until: .now + .seconds(20))) {
            for pid in family { kill(pid, SIGKILL) }
            _ = await ProcessRunner.waitForExit(process, until: .now + .seconds(10))
        }
    }
}
