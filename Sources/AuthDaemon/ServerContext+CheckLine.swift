import AuthCore
import Logging
import NIOCore

extension ServerContext {
    /// The one log line of a check, the same for every front door: result, identity, service,
    /// the deciding backend, time taken, and whatever delayed or short-cut the answer.
    /// `protocolName` is nil for saslauthd, whose lines have always gone without one.
    func logCheck(
        prepared: PreparedCheck, outcome: CheckOutcome, started: NIODeadline, protocolName: ListenerProtocol? = nil, clientAddress: String? = nil
    ) {
        let elapsed = NIODeadline.now() - started
        var metadata: Logger.Metadata = [
            "result": "\(outcome.result.rawValue)",
            "user": "\(prepared.identity.user)",
            "realm": "\(prepared.identity.realm)",
            "service": "\(prepared.service)",
            "backend": "\(outcome.backend ?? "-")",
            "time_ms": "\(Double(elapsed.nanoseconds / 1000) / 1000)",
        ]
        if let protocolName { metadata["protocol"] = "\(protocolName.rawValue)" }
        if let clientAddress { metadata["client"] = "\(clientAddress)" }
        if let route = outcome.route { metadata["route"] = "\(route)" }
        if outcome.delay > .zero { metadata["delay_ms"] = "\(outcome.delay.nanoseconds / 1_000_000)" }
        if let key = outcome.throttledBy { metadata["throttle"] = "\(key.logName)" }
        if outcome.cached { metadata["cached"] = "yes" }
        if outcome.result != .ok || traceNormalization { metadata["trail"] = "\(outcome.trailText)" }
        logger.info("check", metadata: metadata)
    }
}
