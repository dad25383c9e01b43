/// A failure of the test harness or of the daemon under test that is not a plain expectation:
/// a process that hung, a daemon that never became ready, a tool that is not installed.
/// Throwing it fails the test with a message that carries whatever output explains it.
public struct IntegrationError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
