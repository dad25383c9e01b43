public import NIOCore

/// The `limits:` section.
public struct LimitsConfig: Sendable, Equatable {
    /// How long a connection may take to deliver its request before it is answered
    /// `NO incomplete request` (or, if it sent nothing, closed). Keeps idle clients from
    /// holding anything but their own socket.
    public var readTimeout: TimeAmount
    /// How long to wait for a fifth field (client address) after the realm, when a backend on
    /// the route uses the address. Routes whose backends do not use it never wait.
    public var clientAddressGrace: TimeAmount

    public init(readTimeout: TimeAmount = .seconds(5), clientAddressGrace: TimeAmount = .milliseconds(10)) {
        self.readTimeout = readTimeout
        self.clientAddressGrace = clientAddressGrace
    }
}
