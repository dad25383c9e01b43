package import AuthWire
/// One check straight through a backend, outside the engine (no cache, no throttle, no delay),
/// for tests and tools.
extension AuthBackend {
    package func answer(for subject: CheckSubject, password: Secret) async -> BackendAnswer {
        let question = question(for: subject)
        return await withCheckedContinuation { continuation in
            question.evaluate(password: password) { continuation.resume(returning: $0) }
        }
    }

    package func verdict(user: String, realm: String, service: String = "imap", password: Secret) async -> BackendVerdict {
        let identity = CanonicalIdentity(user: ByteString(user), realm: ByteString(realm), loginAsSent: ByteString(user))
        return await answer(for: CheckSubject(identity: identity, service: ByteString(service)), password: password).verdict
    }
}
