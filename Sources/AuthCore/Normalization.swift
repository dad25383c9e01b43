/// The result of running the realm rules: the identity, and (when asked for) the steps taken,
/// which `--debug` logs and `authmuxd explain` prints.
public struct Normalization: Sendable, Equatable {
    public var identity: CanonicalIdentity
    public var steps: [String]

    public init(identity: CanonicalIdentity, steps: [String]) {
        self.identity = identity
        self.steps = steps
    }
}
