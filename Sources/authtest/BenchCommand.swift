import ArgumentParser
import AuthWire
import Foundation
import NIOCore
import NIOConcurrencyHelpers

/// `authtest bench`: a load client. One connection per request by default, as libsasl2 does.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Load-test a saslauthd- or Dovecot-auth-protocol server and report checks/s and latency percentiles."
    )

    @Option(name: [.customShort("f"), .customLong("socket")], help: "Server socket.") var socket: String = DefaultSockets.saslauthd
    @Option(name: [.customShort("c"), .customLong("concurrency")], help: "Simultaneous connections.") var concurrency: Int = 16
    @Option(name: [.customShort("d"), .customLong("duration")], help: "Seconds to measure (ignored with --requests). SIGINT or SIGTERM ends the run early: requests in flight finish and the report covers what was measured.") var duration: Double = 10
    @Option(name: [.customShort("n"), .customLong("requests")], help: "Measure this many requests instead of a duration.") var requests: Int?
    @Option(name: .long, help: "Seconds of load before measuring.") var warmup: Double = 1
    @Option(name: .long, help: "File of users: one `login password [realm]` per line.") var users: String?
    @Option(name: .long, help: "Use N generated users: <user-prefix>0, 1... with passwords <password-prefix>0, 1....") var generatedUsers: Int = 100
    @Option(name: .long, help: "Login prefix of generated users.") var userPrefix: String = "bench"
    @Option(name: .long, help: "Password prefix of generated users.") var passwordPrefix: String = "pw-bench"
    @Option(name: [.customShort("r"), .customLong("realm")], help: "Realm field for generated users.") var realm: String = ""
    @Option(name: [.customShort("s"), .customLong("service")], help: "Service name.") var service: String = "imap"
    @Option(name: .long, help: "Share of requests with a wrong password, 0 to 1.") var wrongShare: Double = 0
    @Option(name: .long, help: "Request form, 4 or 5 fields.") var fields: RequestForm = .four
    @Option(name: .long, help: "Seconds before a request counts as an error.") var timeout: Double = 10
    @Option(name: .long, help: "Random seed, for reproducible user picks.") var seed: UInt64 = 1
    @Flag(name: .long, help: "Print one JSON object instead of text.") var json = false
    @Option(name: .customLong("protocol"), help: "Wire protocol: saslauthd or dovecot (PLAIN).") var wireProtocol: WireProtocol = .saslauthd
    @Flag(name: .long, help: "dovecot: keep one connection per client for all its checks, as Postfix does (default: one per check, as Exim).") var persistent = false

    func validate() throws {
        guard concurrency >= 1 && concurrency <= 10_000 else { throw ValidationError("--concurrency must be between 1 and 10000") }
        guard duration > 0, warmup >= 0, timeout > 0 else { throw ValidationError("durations must be positive") }
        guard (0...1).contains(wrongShare) else { throw ValidationError("--wrong-share must be between 0 and 1") }
        guard generatedUsers >= 1 else { throw ValidationError("--generated-users must be at least 1") }
        if let requests, requests < 1 { throw ValidationError("--requests must be at least 1") }
        guard wireProtocol == .saslauthd || wireProtocol == .dovecot else { throw ValidationError("bench speaks saslauthd or dovecot") }
        if persistent && wireProtocol != .dovecot { throw ValidationError("--persistent is a dovecot option") }
    }

    func run() async throws {
        let accounts: [BenchUser]
        do {
            accounts = try loadUsers()
        } catch {
            Console.error("authtest bench: \(error)")
            throw ExitCode(2)
        }
        let workload: BenchWorkload
        do {
            workload = try BenchWorkload(users: accounts, service: service, form: fields, wrongShare: wrongShare)
        } catch let error as SaslauthdRequestError {
            Console.error("authtest bench: \(error.reason)")
            throw ExitCode(2)
        }
        let timeoutSeconds = max(1, Int(timeout.rounded(.up)))
        let interrupt = InterruptFlag()
        // Fail fast with a clear message when nothing answers.
        do {
            var random = SplitMix64(seed: seed)
            _ = try worker(workload: workload, timeoutSeconds: timeoutSeconds, index: 0).exchange(workload.pick(&random))
        } catch {
            Console.error("authtest bench: \(socket): \(error)")
            throw ExitCode(2)
        }
        if warmup > 0 {
            let end = NIODeadline.now() + .nanoseconds(Int64(warmup * 1e9))
            _ = runPhase(workload: workload, timeoutSeconds: timeoutSeconds) { NIODeadline.now() < end && !interrupt.isRaised }
        }
        let cpuBefore = ProcessCPU.seconds()
        let started = NIODeadline.now()
        let tally: BenchTally
        if let requests {
            let remaining = NIOLockedValueBox(requests)
            tally = runPhase(workload: workload, timeoutSeconds: timeoutSeconds) {
                remaining.withLockedValue { count in
                    guard count > 0, !interrupt.isRaised else { return false }
                    count -= 1
                    return true
                }
            }
        } else {
            let end = started + .nanoseconds(Int64(duration * 1e9))
            tally = runPhase(workload: workload, timeoutSeconds: timeoutSeconds) { NIODeadline.now() < end && !interrupt.isRaised }
        }
        let seconds = Double((NIODeadline.now() - started).nanoseconds) / 1e9
        let cpu = ProcessCPU.seconds() - cpuBefore
        let report = BenchReport(socket: socket, concurrency: concurrency, fields: fields.rawValue, wrongShare: wrongShare, seconds: seconds, tally: tally, cpuSeconds: cpu)
        Console.out(json ? report.json() : report.text())
        if tally.errors > 0 || tally.unexpected > 0 { throw ExitCode(1) }
    }

    /// Runs `concurrency` clients until `shouldSendAnother` says stop, and merges their tallies.
    private func runPhase(workload: BenchWorkload, timeoutSeconds: Int, while shouldSendAnother: @escaping @Sendable () -> Bool) -> BenchTally {
        let workers = (0..<concurrency).map { index in worker(workload: workload, timeoutSeconds: timeoutSeconds, index: index) }
        for worker in workers { worker.start(while: shouldSendAnother) }
        var total = BenchTally()
        for worker in workers { total.merge(worker.wait()) }
        return total
    }

    private func worker(workload: BenchWorkload, timeoutSeconds: Int, index: Int) -> BenchWorker {
        BenchWorker(
            socketPath: socket, workload: workload, timeoutSeconds: timeoutSeconds, seed: seed &+ UInt64(index) &* 0x1000_0001,
            wireProtocol: wireProtocol, persistent: persistent)
    }

    private func loadUsers() throws -> [BenchUser] {
        guard let users else {
            return (0..<generatedUsers).map { BenchUser(login: "\(userPrefix)\($0)", realm: realm, password: "\(passwordPrefix)\($0)") }
        }
        let text = try String(contentsOfFile: users, encoding: .utf8)
        var list: [BenchUser] = []
        for (number, line) in text.split(separator: "\n").enumerated() {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            if parts.isEmpty || parts[0].hasPrefix("#") { continue }
            guard parts.count == 2 || parts.count == 3 else {
                throw ValidationError("\(users):\(number + 1): expected `login password [realm]`")
            }
            list.append(BenchUser(login: parts[0], realm: parts.count == 3 ? parts[2] : realm, password: parts[1]))
        }
        guard !list.isEmpty else { throw ValidationError("\(users): no users") }
        return list
    }
}
