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
        // String per field (see CompactLogHandler.appendQuotedBytes). Straight to the daemon's
        // handler, time and level included: through swift-log the line became a String, a
        // LogEvent and then bytes again, about a third of the line's cost on a cache hit.
        var line = LogLineBuilder(level: .info, message: "check", timestamped: checkLineSink != nil)
        // Alphabetical, as CompactLogHandler orders metadata keys.
        if !check.questions.isEmpty {
            // What each backend was asked: `mailusers: alice@example.com; system: alice`,
            // quoted always (it holds a space).
            line.openQuoted("asked")
            for (index, question) in check.questions.enumerated() {
                if index > 0 { line.quotedPart("; ") }
                var backend = question.backend
                backend.withUTF8 { line.quotedPart($0) }
                line.quotedPart(": ")
                question.shown.withUnsafeBufferPointer { line.quotedPart($0) }
            }
            line.closeQuote()
        }
        line.quoted("backend", outcome.backend ?? "-")
        if outcome.cached { line.bare("cached", "yes") }
        if let clientAddress = check.request.clientAddress { line.quoted("client", clientAddress.bytes) }
        if outcome.delay > .zero { line.number("delay_ms", Int(outcome.delay.nanoseconds / 1_000_000)) }
        if let protocolName { line.bare("protocol", protocolName.word) }
        line.quoted("realm", check.identity.realm.bytes)
        line.bare("result", outcome.result.word)
        if let route = outcome.route { line.number("route", route) }
        line.quoted("service", check.prepared.service.bytes)
        if let key = outcome.throttledBy { line.quoted("throttle", key.logName) }
        line.milliseconds("time_ms", microseconds: Int(elapsed.nanoseconds / 1000))
        if outcome.result != .ok || traceNormalization {
            // Always in quotes, as `quoted` would put it: every part holds a space, and an
            // empty trail is `""` either way.
            line.openQuoted("trail")
            outcome.writeTrail { line.quotedPart($0) }
            line.closeQuote()
        }
        line.quoted("user", check.identity.user.bytes)
        if let checkLineSink {
            line.withLine { checkLineSink.append($0, urgent: false) }
        } else {
            logger.info(Logger.Message(stringLiteral: line.message))
        }
    }
}

extension ListenerProtocol {
    /// The protocol as the check line writes it: `rawValue`, without a String per line.
    fileprivate var word: StaticString {
        switch self {
        case .saslauthd: "saslauthd"
        case .pwcheck: "pwcheck"
        case .authdaemond: "authdaemond"
        case .dovecot: "dovecot"
        }
    }
}

extension CheckOutcome.Result {
    /// The result as the check line writes it: `rawValue`, without a String per line.
    fileprivate var word: StaticString {
        switch self {
        case .ok: "OK"
        case .failed: "NO"
        case .unavailable: "UNAVAILABLE"
        }
    }
}
