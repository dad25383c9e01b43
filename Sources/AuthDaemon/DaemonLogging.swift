import Logging

/// Log setup: plain lines on standard error, which systemd's journal (or `make run`'s terminal)
/// collects. Passwords never reach a logger: `Secret` prints as `<redacted>`.
enum DaemonLogging {
    static func bootstrap(debug: Bool) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = debug ? .debug : .info
            return handler
        }
    }
}
