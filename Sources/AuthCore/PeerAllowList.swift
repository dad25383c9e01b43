/// `listen[].allow`: the local users and groups whose processes may ask on a listener.
///
/// Names are kept as written, each with the located error to report if it does not exist: the
/// daemon resolves them against the system's user and group databases when it binds the
/// socket, since AuthCore does not touch the host.
public struct PeerAllowList: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// A name, or a numeric id written as digits.
        public var name: String
        public var unknownError: ConfigError

        public init(name: String, unknownError: ConfigError) {
            self.name = name
            self.unknownError = unknownError
        }

        /// The id when the entry was written as a number.
        public var numericID: UInt32? { name.allSatisfy(\.isASCII) ? UInt32(name) : nil }
    }

    public var users: [Entry]
    public var groups: [Entry]

    public init(users: [Entry] = [], groups: [Entry] = []) {
        self.users = users
        self.groups = groups
    }

    /// For `check-config`.
    public var summary: String {
        var parts: [String] = []
        if !users.isEmpty { parts.append("users \(users.map(\.name).joined(separator: ", "))") }
        if !groups.isEmpty { parts.append("groups \(groups.map(\.name).joined(separator: ", "))") }
        return parts.joined(separator: "; ")
    }
}
