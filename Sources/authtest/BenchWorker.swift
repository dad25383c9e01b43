import Foundation
import NIOCore

/// One simulated client on its own thread: pick a user, exchange, record, repeat. On saslauthd
/// it is libsasl2 (one connection per check); on dovecot, Postfix (one connection kept, with
/// `persistent`) or Exim (one connection per check).
final class BenchWorker: @unchecked Sendable {
    // Touched only by the worker's own thread until `finished` is signalled.
    private var tally = BenchTally()
    private var random: SplitMix64
    private let socketPath: String
    private let workload: BenchWorkload
    private let timeoutSeconds: Int
    private let wireProtocol: WireProtocol
    private let persistent: Bool
    private var dovecot: BlockingDovecotClient?
    private let finished = DispatchSemaphore(value: 0)

    init(socketPath: String, workload: BenchWorkload, timeoutSeconds: Int, seed: UInt64, wireProtocol: WireProtocol = .saslauthd, persistent: Bool = false) {
        self.socketPath = socketPath
        self.workload = workload
        self.timeoutSeconds = timeoutSeconds
        self.random = SplitMix64(seed: seed)
        self.wireProtocol = wireProtocol
        self.persistent = persistent
    }

    /// One check; true for OK. Called only from the worker's thread (or before it starts).
    func exchange(_ entry: BenchWorkload.Entry) throws -> Bool {
        guard wireProtocol == .dovecot else {
            return try BlockingSaslauthdExchange.exchange(socketPath: socketPath, request: entry.request, timeoutSeconds: timeoutSeconds)
        }
        let client = try dovecot ?? BlockingDovecotClient(socketPath: socketPath, timeoutSeconds: timeoutSeconds)
        do {
            let answer = try client.authenticate(mechanism: .plain, service: workload.service, login: entry.login, password: entry.password)
            dovecot = persistent ? client : nil
            return answer.isOK
        } catch {
            dovecot = nil
            throw error
        }
    }

    /// Starts the worker's thread; `shouldSendAnother` is asked before every request.
    func start(while shouldSendAnother: @escaping @Sendable () -> Bool) {
        let thread = Thread { [self] in
            while shouldSendAnother() {
                let entry = workload.pick(&random)
                let started = NIODeadline.now()
                do {
                    let ok = try exchange(entry)
                    let micros = UInt64(max(0, (NIODeadline.now() - started).nanoseconds / 1000))
                    _ = tally.latency.record(micros)
                    if ok { tally.ok += 1 } else { tally.no += 1 }
                    if ok != entry.expectOK { tally.unexpected += 1 }
                } catch {
                    tally.errors += 1
                    if tally.firstError == nil { tally.firstError = "\(error)" }
                }
            }
            finished.signal()
        }
        thread.stackSize = 256 * 1024
        thread.start()
    }

    /// Waits for the thread to stop and returns what it saw.
    func wait() -> BenchTally {
        finished.wait()
        return tally
    }
}
