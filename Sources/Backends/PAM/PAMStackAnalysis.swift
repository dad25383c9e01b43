/// What a service's auth stack does with a wrong password.
public struct PAMStackAnalysis: Sendable {
    public var stack: PAMAuthStack
    /// nil when every run of the stack refuses a wrong password.
    public var wrongPasswordPath: PAMWrongPasswordPath?

    public init(stack: PAMAuthStack, wrongPasswordPath: PAMWrongPasswordPath?) {
        self.stack = stack
        self.wrongPasswordPath = wrongPasswordPath
    }

    public var acceptsWrongPasswords: Bool { wrongPasswordPath != nil }
}
