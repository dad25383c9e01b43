/// A way through an auth stack that ends in PAM_SUCCESS although every password check on it
/// failed: what makes a stack unfit to answer "is this password right?".
public struct PAMWrongPasswordPath: Sendable, CustomStringConvertible {
    /// One module run on the way, what it answered and what libpam did with that.
    public struct Step: Sendable {
        public var entry: PAMStackEntry
        public var behaviour: PAMModuleBehaviour
        public var result: PAMReturnCode
        public var action: PAMAction

        /// `/etc/pam.d/su:1 pam_rootok success (done)`.
        public var summary: String {
            "\(entry.line.location) \(entry.moduleName ?? "substack") \(result) (\(action))"
        }
    }

    /// Every module run, in order.
    public let steps: [Step]
    /// The line that lets the wrong password through: the last success on the path that counted
    /// towards the stack's result. Every success on such a path comes from a module that does
    /// not check the password, and the last one is where the stack was decided.
    public let culprit: Step

    /// nil without steps: a stack succeeds only through a module's answer.
    public init?(steps: [Step]) {
        guard let last = steps.last else { return nil }
        self.steps = steps
        let counted = steps.last { step in
            guard step.result == .success else { return false }
            if case .ok = step.action { return true }
            if case .done = step.action { return true }
            return false
        }
        culprit = counted ?? last
    }

    public var description: String {
        let culprit = self.culprit
        var text = "\(culprit.entry.line.location): \"\(culprit.entry.line.text)\" lets a wrong password through: \(culprit.behaviour.successReason)"
        if steps.count > 1 {
            text += " (with a wrong password: \(steps.map(\.summary).joined(separator: ", ")))"
        }
        return text
    }
}
