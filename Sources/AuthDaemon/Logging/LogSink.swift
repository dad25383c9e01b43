import Foundation
import NIOConcurrencyHelpers

/// Where log lines go: standard error, written in batches.
///
/// One `write` per log line (what swift-log's StreamLogHandler does, with a flush each time)
/// cost about a third of the daemon's time per check in the benchmark. Lines are gathered here
/// and written together when the buffer fills, every `interval`, and at once for warnings and
/// errors, so a problem is never held back and at most `interval` of routine lines wait.
final class LogSink: Sendable {
    static let shared = LogSink(fd: 2, interval: .milliseconds(50))

    private let fd: Int32
    private let interval: Duration
    private let pending = NIOLockedValueBox<[UInt8]>([])
    private static let flushThreshold = 32 * 1024

    private init(fd: Int32, interval: Duration) {
        self.fd = fd
        self.interval = interval
        pending.withLockedValue { $0.reserveCapacity(Self.flushThreshold * 2) }
        let thread = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: Double(interval.components.attoseconds) / 1e18 + Double(interval.components.seconds))
                flush()
            }
        }
        thread.name = "authmuxd-log"
        thread.start()
    }

    /// Appends one line (without its newline); `urgent` writes it out immediately.
    func append(_ line: [UInt8], urgent: Bool) {
        line.withUnsafeBufferPointer { append($0, urgent: urgent) }
    }

    func append(_ line: UnsafeBufferPointer<UInt8>, urgent: Bool) {
        let batch: [UInt8]? = pending.withLockedValue { buffer in
            buffer.append(contentsOf: line)
            buffer.append(UInt8(ascii: "\n"))
            guard urgent || buffer.count >= Self.flushThreshold else { return nil }
            defer { buffer.removeAll(keepingCapacity: true) }
            return buffer
        }
        if let batch { write(batch) }
    }

    /// Writes out everything pending; called by the flusher and at shutdown.
    func flush() {
        let batch: [UInt8] = pending.withLockedValue { buffer in
            defer { buffer.removeAll(keepingCapacity: true) }
            return buffer
        }
        if !batch.isEmpty { write(batch) }
    }

    private func write(_ bytes: [UInt8]) {
        DescriptorWriter.writeAll(bytes, to: fd)
    }
}
