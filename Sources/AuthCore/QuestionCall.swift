public import AuthWire
/// The type-erased half of `BackendQuestion`: a backend and its typed lookup together.
@usableFromInline
protocol QuestionCall: Sendable {
    func evaluate(password: Secret, then: @escaping @Sendable (BackendAnswer) -> Void)
    func answerNow(password: Secret) -> BackendAnswer?
}
