/// Why a passwd-file could not be rewritten; for the tool's message and the daemon's log.
public struct PasswdFileEditError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
