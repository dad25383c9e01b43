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
        check: Check, outcome: CheckOutcome, took elapsed: TimeAmount, protocolName: ListenerProtocol? = nil
    ) {
        guard logger.logLevel <= .info else { return }
        // Built as bytes: identities are bytes already, and appending them quoted costs no
        // String per field (see CompactLogHandler.appendQuoted).
        var line = LogLineBuilder(message: "check")
        // Alphabetical, as CompactLogHandler orders metadata keys.
        if !check.questions.isEmpty {
            // What each backend was asked: `mailusers: alice@example.com; system: alice`.
            var asked: [UInt8] = []
            for (index, question) in check.questions.enumerated() {
                if index > 0 {
                    asked.append(UInt8(ascii: ";"))
                    asked.append(UInt8(ascii: " "))
                }
                LogLineBuilder.append(question.backend, to: &asked)
                asked.append(UInt8(ascii: ":"))
                asked.append(UInt8(ascii: " "))
                asked.append(contentsOf: question.shown)
            }
            line.quoted("asked", asked)
        }
        line.quoted("backend", outcome.backend ?? "-")
        if outcome.cached { line.quoted("cached", "yes") }
        if let clientAddress = check.request.clientAddress { line.quoted("client", clientAddress.bytes) }
        if outcome.delay > .zero { line.number("delay_ms", Int(outcome.delay.nanoseconds / 1_000_000)) }
        if let protocolName { line.quoted("protocol", protocolName.rawValue) }
        line.quoted("realm", check.identity.realm.bytes)
        line.quoted("result", outcome.result.rawValue)
        if let route = outcome.route { line.number("route", route) }
        line.quoted("service", check.prepared.service.bytes)
        if let key = outcome.throttledBy { line.quoted("throttle", key.logName) }
        line.milliseconds("time_ms", microseconds: Int(elapsed.nanoseconds / 1000))
        if outcome.result != .ok || traceNormalization { line.quoted("trail", outcome.trailText) }
        line.quoted("user", check.identity.user.bytes)
        // Straight to the daemon's handler: through swift-log the line became a String, a
        // LogEvent and then bytes again, about a third of the line's cost on a cache hit.
        if let checkLineHandler {
            checkLineHandler.write(level: .info, message: line.bytes)
        } else {
            logger.info(Logger.Message(stringLiteral: String(decoding: line.bytes, as: UTF8.self)))
        }
    }
}
