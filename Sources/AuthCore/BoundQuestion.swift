public import AuthWire
/// A backend with the lookup its own settings derived, so the types always agree.
@usableFromInline
struct BoundQuestion<Backend: AuthBackend>: QuestionCall {
    let backend: Backend
    let lookup: Backend.Settings.Lookup

    @usableFromInline
    init(backend: Backend, lookup: Backend.Settings.Lookup) {
        self.backend = backend
        self.lookup = lookup
    }

    @usableFromInline
    func evaluate(password: Secret, then: @escaping @Sendable (BackendAnswer) -> Void) {
        backend.evaluate(lookup, password: password, then: then)
    }

    @usableFromInline
    func answerNow(password: Secret) -> BackendAnswer? {
        backend.answerNow(lookup, password: password)
    }
}
