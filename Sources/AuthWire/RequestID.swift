/// Which request of a connection a check answers. One-shot doors use `.only`; doors that carry
/// several requests on one connection (Dovecot's) number them as their clients do.
public struct RequestID: Hashable, Sendable, CustomStringConvertible {
    public let value: UInt32

    public init(_ value: UInt32) {
        self.value = value
    }

    /// The one request of a connection that carries one.
    public static let only = RequestID(0)

    public var description: String { String(value) }
}
