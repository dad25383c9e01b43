import NIOConcurrencyHelpers
import NIOCore
package import NIOPosix

/// Work a backend's pool takes in batches: items wait here, and one pool thread takes up to
/// `limit` of them at a time and hands them to `run` together. Under load a batch holds every
/// item that arrived while the last one ran, so a store pays its per-visit costs (a pipelined
/// write to a database, the checks that prove a file unchanged) and the pool its wake-up once
/// per batch instead of once per check. Another thread (up to `threads`) starts only while
/// `spreadAt` items are already waiting: a store whose visit is a round trip (a database) wants
/// that to be a whole batch, so that it is visited seldom and over few connections; one whose
/// visit is local work (a file) wants it low, so that its threads share the load as soon as
/// checks queue.
///
/// A thread runs one batch, then queues itself behind whatever else waits for the pool (hashes
/// to verify, a whole-file read), so a steady stream of batches never starves that work.
package final class PoolBatches<Item: Sendable>: Sendable {
    private let pool: NIOThreadPool
    private let limit: Int
    private let spreadAt: Int
    private let threads: Int
    private let run: @Sendable ([Item]) -> Void
    private let stopped: @Sendable ([Item]) -> Void
    private let state = NIOLockedValueBox(Queue())

    private struct Queue {
        var waiting = CircularBuffer<Item>()
        /// Pool threads taking batches (or about to).
        var draining = 0
    }

    /// `run` gets each batch on a pool thread; `stopped` gets what was waiting when the pool
    /// shut down, to be answered "unavailable". `spreadAt` defaults to a whole batch.
    package init(
        pool: NIOThreadPool, limit: Int = 32, spreadAt: Int? = nil, threads: Int, run: @escaping @Sendable ([Item]) -> Void,
        stopped: @escaping @Sendable ([Item]) -> Void
    ) {
        self.pool = pool
        self.limit = max(1, limit)
        self.spreadAt = max(1, spreadAt ?? limit)
        self.threads = max(1, threads)
        self.run = run
        self.stopped = stopped
    }

    package func add(_ item: Item) {
        let start = state.withLockedValue { queue -> Bool in
            queue.waiting.append(item)
            guard queue.draining == 0 || (queue.draining < threads && queue.waiting.count >= spreadAt) else { return false }
            queue.draining += 1
            return true
        }
        if start { drainOnPool() }
    }

    private func drainOnPool() {
        pool.submit { poolState in
            guard case .active = poolState else { return self.stopped(self.take(all: true)) }
            let batch = self.take(all: false)
            guard !batch.isEmpty else { return }
            self.run(batch)
            let more = self.state.withLockedValue { queue -> Bool in
                if queue.waiting.isEmpty { queue.draining -= 1 }
                return !queue.waiting.isEmpty
            }
            if more { self.drainOnPool() }
        }
    }

    /// The next batch (everything waiting with `all`); an empty one, or `all`, ends this
    /// thread's turn.
    private func take(all: Bool) -> [Item] {
        state.withLockedValue { queue in
            let count = all ? queue.waiting.count : min(queue.waiting.count, limit)
            var batch: [Item] = []
            batch.reserveCapacity(count)
            for _ in 0..<count { batch.append(queue.waiting.removeFirst()) }
            if batch.isEmpty || all { queue.draining -= 1 }
            return batch
        }
    }
}
