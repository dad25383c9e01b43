import Foundation
import Logging
import NIOConcurrencyHelpers

/// A log handler that holds every check line until the test lets it go: a test can then show
/// that a client had its answer while its line was still unwritten (had the daemon written the
/// line first, the answer would wait behind it and the client's read would fail).
final class HeldCheckLines: Sendable {
    private let gate = DispatchSemaphore(value: 0)
    private let state = NIOLockedValueBox((written: 0, released: false))

    /// Lines written so far.
    var written: Int { state.withLockedValue { $0.written } }

    /// Lets every held line, and every later one, through.
    func release() {
        let first = state.withLockedValue { state -> Bool in
            defer { state.released = true }
            return !state.released
        }
        // One signal per waiting writer is not knowable here; a released gate stays open.
        if first { gate.signal() }
    }

    var logger: Logger {
        Logger(label: "held-check-lines") { _ in Handler(owner: self) }
    }

    fileprivate func hold() {
        if !state.withLockedValue({ $0.released }) {
            // Bounded so that a failed test still lets the server stop.
            _ = gate.wait(timeout: .now() + 60)
            gate.signal()
        }
        state.withLockedValue { $0.written += 1 }
    }

    private struct Handler: LogHandler {
        let owner: HeldCheckLines
        var logLevel: Logger.Level = .info
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            guard event.message.description.hasPrefix("check ") else { return }
            owner.hold()
        }
    }
}
