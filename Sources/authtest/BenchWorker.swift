import AuthCore
import NIOConcurrencyHelpers
import NIOCore

/// One simulated client: connect, ask, record, repeat, all on one event loop, so its tally
/// needs no lock.
final class BenchWorker: @unchecked Sendable {
    // Touched only on `loop`.
    private var tally = BenchTally()
    private var random: SplitMix64
    private let loop: any EventLoop
    private let client: SaslauthdClient
    private let workload: BenchWorkload
    private let stop: BenchStop

    init(loop: any EventLoop, client: SaslauthdClient, workload: BenchWorkload, stop: BenchStop, seed: UInt64) {
        self.loop = loop
        self.client = client
        self.workload = workload
        self.stop = stop
        self.random = SplitMix64(seed: seed)
    }

    /// Runs until `stop` says so and returns what this worker saw.
    func run() -> EventLoopFuture<BenchTally> {
        let promise = loop.makePromise(of: BenchTally.self)
        loop.execute { self.next(promise) }
        return promise.futureResult
    }

    private func next(_ promise: EventLoopPromise<BenchTally>) {
        guard stop.shouldSendAnother() else {
            promise.succeed(tally)
            return
        }
        let entry = workload.pick(&random)
        let started = NIODeadline.now()
        client.ask(entry.request, on: loop).whenComplete { result in
            let micros = UInt64(max(0, (NIODeadline.now() - started).nanoseconds / 1000))
            switch result {
            case .success(let answer):
                _ = self.tally.latency.record(micros)
                let ok = SaslauthdCodec.isSuccess(answer)
                if ok { self.tally.ok += 1 } else { self.tally.no += 1 }
                if ok != entry.expectOK { self.tally.unexpected += 1 }
            case .failure(let error):
                self.tally.errors += 1
                if self.tally.firstError == nil { self.tally.firstError = "\(error)" }
            }
            self.next(promise)
        }
    }
}
