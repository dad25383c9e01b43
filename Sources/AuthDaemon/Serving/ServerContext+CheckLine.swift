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
        // Built as bytes: identities are bytes already, and appending them quoted costs no
        // String per field (see CompactLogHandler.appendQuoted).
        var line: [UInt8] = []
        line.reserveCapacity(256)
        line.append(contentsOf: "check".utf8)
        func field<Value: Collection>(_ key: StaticString, _ value: Value) where Value.Element == UInt8 {
            line.append(UInt8(ascii: " "))
            key.withUTF8Buffer { line.append(contentsOf: $0) }
            line.append(UInt8(ascii: "="))
            CompactLogHandler.appendQuoted(value, to: &line)
        }
        // Alphabetical, as CompactLogHandler orders metadata keys.
        if !check.questions.isEmpty { field("asked", check.askedText.utf8) }
        field("backend", (outcome.backend ?? "-").utf8)
        if outcome.cached { field("cached", "yes".utf8) }
        if let clientAddress { field("client", clientAddress.utf8) }
        if outcome.delay > .zero { field("delay_ms", "\(outcome.delay.nanoseconds / 1_000_000)".utf8) }
        if let protocolName { field("protocol", protocolName.rawValue.utf8) }
        field("realm", check.identity.realm.bytes)
        field("result", outcome.result.rawValue.utf8)
        if let route = outcome.route { field("route", "\(route)".utf8) }
        field("service", check.prepared.service.bytes)
        if let key = outcome.throttledBy { field("throttle", key.logName.utf8) }
        field("time_ms", "\(Double(elapsed.nanoseconds / 1000) / 1000)".utf8)
        if outcome.result != .ok || traceNormalization { field("trail", outcome.trailText.utf8) }
        field("user", check.identity.user.bytes)
        logger.info(Logger.Message(stringLiteral: String(decoding: line, as: UTF8.self)))
    }
}
