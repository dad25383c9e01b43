package import AuthWire
/// Checks made from text a caller controls (tests, tools), through the same validation, realm
/// rules and derivation as a front door's request.
extension AuthEngine {
    package func check(login: String, realm: String = "", service: String = "imap", password: Secret, clientAddress: String? = nil) throws -> Check {
        let request = try CheckRequest.validate(login: login, password: password, service: service, realm: realm, clientAddress: clientAddress).get()
        return check(try prepare(request).get())
    }

    package func prepare(login: String, realm: String = "", service: String = "imap") throws -> PreparedCheck {
        let request = try CheckRequest.validate(login: login, password: Secret("x"), service: service, realm: realm).get()
        return try prepare(request).get()
    }
}

extension AuthEngine {
    /// The decision for `check`, for tests and tools that do not hold the answer themselves;
    /// the throttle slots are given back at once.
    package func decision(_ check: Check) async -> CheckDecision {
        await withCheckedContinuation { continuation in
            run(check) { decision in
                decision.answered()
                continuation.resume(returning: decision)
            }
        }
    }
}
