import AuthCore
import AuthWire

/// Asks authmux's engine, built in this process from the configuration under comparison, the
/// same question a front door would: realm rules, route, cache, chain. No socket, so the check
/// runs while saslauthd still holds the one both would listen on. The failure delay is not
/// waited out (the answer is what is compared, not its timing).
struct EngineProbe: LoginProbe {
    let engine: AuthEngine

    /// `OK`, `NO authentication failed`, `NO temporarily unavailable`, or the refusal a front
    /// door would send for a malformed request; and the trail of backend verdicts for the report.
    func ask(_ login: TestLogin) async -> (answer: String, detail: String?) {
        let request: CheckRequest
        switch login.password.withUnsafeBytes({ password in
            CheckRequest.validate(login: Array(login.login.utf8), password: password, service: Array(login.service.utf8), realm: Array(login.realm.utf8))
        }) {
        case .success(let valid): request = valid
        case .failure(let refusal): return ("NO \(refusal.reason)", "refused before any backend")
        }
        let prepared: PreparedCheck
        switch engine.prepare(request) {
        case .success(let ready): prepared = ready
        case .failure(let error): return ("NO \(error.reason)", "refused by the realm rules")
        }
        let check = engine.check(prepared)
        let decision: CheckDecision
        if let now = engine.settleNow(check) {
            decision = now
        } else {
            decision = await withCheckedContinuation { continuation in
                engine.run(check) { continuation.resume(returning: $0) }
            }
        }
        decision.answered()
        let outcome = decision.outcome
        switch outcome.result {
        case .ok: return ("OK", outcome.trailText)
        case .failed: return ("NO authentication failed", outcome.trailText)
        case .unavailable: return ("NO temporarily unavailable", outcome.trailText)
        }
    }
}
