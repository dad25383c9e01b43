import AuthWire
/// A backend with the lookup its own settings derived, so the types always agree.
struct BoundQuestion<Backend: AuthBackend>: QuestionCall {
    let backend: Backend
    let lookup: Backend.Settings.Lookup

    func evaluate(password: Secret, then: @escaping @Sendable (BackendAnswer) -> Void) {
        backend.evaluate(lookup, password: password, then: then)
    }

    func answerNow(password: Secret) -> BackendAnswer? {
        backend.answerNow(lookup, password: password)
    }
}
