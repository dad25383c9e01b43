public import AuthWire
/// One backend's question for one request, with the backend's typed lookup bound in, so the
/// engine can walk a chain of different backends without knowing their types (and without a
/// downcast anywhere).
///
/// A class, though immutable: the chain walk, the cache key, the throttle keys and the log
/// line each hold it, and as a struct every copy went through its value witnesses (the
/// existential inside included), about a tenth of a check's instructions.
public final class BackendQuestion: Sendable {
    public let backend: String
    /// See `BackendLookup.asked`: the cache key's part for this backend.
    public let asked: ByteString
    /// See `BackendLookup.account`: the throttle's key for this backend.
    public let account: ByteString
    /// See `BackendLookup.shown`: what the log line says was asked.
    public let shown: [UInt8]
    let call: any QuestionCall

    @usableFromInline
    init(backend: String, asked: ByteString, account: ByteString, shown: [UInt8], call: any QuestionCall) {
        self.backend = backend
        self.asked = asked
        self.account = account
        self.shown = shown
        self.call = call
    }

    func evaluate(password: Secret, then: @escaping @Sendable (BackendAnswer) -> Void) {
        call.evaluate(password: password, then: then)
    }

    func answerNow(password: Secret) -> BackendAnswer? {
        call.answerNow(password: password)
    }
}
