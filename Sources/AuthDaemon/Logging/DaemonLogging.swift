import Logging

/// Log setup: one compact line per event on standard error, which systemd's journal (or
/// `make run`'s terminal) collects. Passwords never reach a logger: `Secret` prints as
/// `<redacted>`.
enum DaemonLogging {
    static func bootstrap(debug: Bool) {
        LoggingSystem.bootstrap { label in
            CompactLogHandler(label: label, level: debug ? .debug : .info)
        }
    }

    /// Writes out lines still waiting in the buffer; call before the process exits.
    static func flush() {
        LogSink.shared.flush()
    }
}
