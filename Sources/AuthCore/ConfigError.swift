/// A configuration problem, always located: the administrator gets `file:line:column: key: what`
/// and can go straight to the line.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// Dotted key path such as `backends.mailusers.path` or `routes[2].use`.
    public var keyPath: String
    public var message: String

    public init(file: String, line: Int, column: Int, keyPath: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String {
        let key = keyPath.isEmpty ? "" : "\(keyPath): "
        if line == 0 { return "\(file): \(key)\(message)" }
        return "\(file):\(line):\(column): \(key)\(message)"
    }
}
