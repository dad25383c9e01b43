@testable import Backends
import Foundation
import NIOConcurrencyHelpers
import NIOPosix
import Testing

/// The queue that hands a backend's pool threads their batches: every item runs once, in
/// batches no larger than the limit, and another thread joins only once `spreadAt` items wait.
/// The first batch is held open by a gate, so what waits behind it is known exactly: counted,
/// never timed.
@Suite("PoolBatches", .timeLimit(.minutes(1)))
struct PoolBatchesTests {
    /// Records the batches `run` is given and holds the first one until `open`.
    final class Recorder: Sendable {
        let batches = NIOLockedValueBox<[[Int]]>([])
        let running = NIOLockedValueBox(0)
        let mostAtOnce = NIOLockedValueBox(0)
        let firstHeld = ConditionLock(value: 0)
        let gate = ConditionLock(value: 0)

        func run(_ batch: [Int]) {
            let first = batches.withLockedValue { batches in
                batches.append(batch)
                return batches.count == 1
            }
            let now = running.withLockedValue { running in
                running += 1
                return running
            }
            mostAtOnce.withLockedValue { $0 = max($0, now) }
            if first {
                firstHeld.lock()
                firstHeld.unlock(withValue: 1)
                gate.lock(whenValue: 1)
                gate.unlock()
            }
            running.withLockedValue { $0 -= 1 }
        }

        func waitForFirst() {
            firstHeld.lock(whenValue: 1)
            firstHeld.unlock()
        }

        func open() {
            gate.lock()
            gate.unlock(withValue: 1)
        }

        /// Whether `items` items have been run. Gives up after 10 s so that a broken queue fails
        /// the test instead of hanging it; the test then still opens the gate.
        func waitUntil(items: Int) -> Bool {
            for _ in 0..<10_000 {
                if batches.withLockedValue({ $0.joined().count }) >= items { return true }
                usleep(1_000)
            }
            return false
        }
    }

    func pool(_ threads: Int) -> NIOThreadPool {
        let pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        return pool
    }

    /// Items queue behind a held batch; a second thread takes them all once `spreadAt` wait
    /// (a whole batch, `limit`, when it is not given), and not one item before.
    @Test(arguments: [(limit: 32, spreadAt: 4 as Int?), (limit: 8, spreadAt: nil)])
    func aSecondThreadJoinsOnceSpreadAtItemsWait(limit: Int, spreadAt: Int?) async throws {
        let pool = pool(2)
        let recorder = Recorder()
        let batches = PoolBatches<Int>(pool: pool, limit: limit, spreadAt: spreadAt, threads: 2, run: recorder.run, stopped: { _ in })
        let joinsAt = spreadAt ?? limit
        batches.add(0)
        recorder.waitForFirst()
        for item in 1..<joinsAt { batches.add(item) }
        #expect(recorder.batches.withLockedValue { $0 } == [[0]])
        batches.add(joinsAt)
        #expect(recorder.waitUntil(items: joinsAt + 1))
        #expect(recorder.batches.withLockedValue { $0 } == [[0], Array(1...joinsAt)])
        #expect(recorder.mostAtOnce.withLockedValue { $0 } == 2)
        recorder.open()
        try await pool.shutdownGracefully()
    }

    @Test func everyItemRunsOnceInBatchesNoLargerThanTheLimit() async throws {
        let pool = pool(1)
        let recorder = Recorder()
        let batches = PoolBatches<Int>(pool: pool, limit: 5, threads: 1, run: recorder.run, stopped: { _ in })
        batches.add(0)
        recorder.waitForFirst()
        for item in 1...12 { batches.add(item) }
        recorder.open()
        #expect(recorder.waitUntil(items: 13))
        let seen = recorder.batches.withLockedValue { $0 }
        #expect(seen == [[0], [1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [11, 12]])
        #expect(recorder.mostAtOnce.withLockedValue { $0 } == 1)
        try await pool.shutdownGracefully()
    }

    @Test func whatWaitsWhenThePoolStopsGoesToStopped() async throws {
        let pool = pool(1)
        try await pool.shutdownGracefully()
        let stopped = NIOLockedValueBox<[Int]>([])
        let batches = PoolBatches<Int>(pool: pool, threads: 1, run: { _ in Issue.record("ran on a stopped pool") }, stopped: { batch in
            stopped.withLockedValue { $0 += batch }
        })
        batches.add(7)
        #expect(stopped.withLockedValue { $0 } == [7])
    }
}
