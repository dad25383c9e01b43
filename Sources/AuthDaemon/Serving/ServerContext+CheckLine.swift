import AuthCore
import Logging
import NIOCore

extension ServerContext {
    /// The one log line of a check, the same for every front door: result, identity, service,
    /// the deciding backend, time taken, and whatever delayed or short-cut the answer.
    /// `protocolName` is nil for saslauthd, whose lines have always gone without one.
    ///
    /// The most frequent line by far, so it is written as the message, already in
    /// CompactLogHandler's form (keys in sorted order, values quoted by its rules), rather than
    /// as metadata: building, merging and sorting a metadata dictionary per check cost about a
    /// tenth of a cache hit's CPU. The output is the same line either way.
    func logCheck(
        check: Check, outcome: CheckOutcome, started: NIODeadline, protocolName: ListenerProtocol? = nil, clientAddress: String? = nil
    ) {
        guard logger.logLevel <= .info else { return }
        let elapsed = NIODeadline.now() - started
        var line = "check"
        func field(_ key: String, _ value: String) {
            line += " "
            line += key
            line += "="
            line += CompactLogHandler.quoted(value)
        }
        // Alphabetical, as CompactLogHandler orders metadata keys.
        if !check.questions.isEmpty { field("asked", check.askedText) }
        field("backend", outcome.backend ?? "-")
        if outcome.cached { field("cached", "yes") }
        if let clientAddress { field("client", clientAddress) }
        if outcome.delay > .zero { field("delay_ms", "\(outcome.delay.nanoseconds / 1_000_000)") }
        if let protocolName { field("protocol", protocolName.rawValue) }
        field("realm", check.identity.realm.text)
        field("result", outcome.result.rawValue)
        if let route = outcome.route { field("route", "\(route)") }
        field("service", check.prepared.service.text)
        if let key = outcome.throttledBy { field("throttle", key.logName) }
        field("time_ms", "\(Double(elapsed.nanoseconds / 1000) / 1000)")
        if outcome.result != .ok || traceNormalization { field("trail", outcome.trailText) }
        field("user", check.identity.user.text)
        logger.info(Logger.Message(stringLiteral: line))
    }
}
