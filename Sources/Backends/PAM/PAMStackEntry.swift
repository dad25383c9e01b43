/// One step of an auth stack as libpam lays it out after following every include: a module with
/// its control, or the place where a substack starts.
public struct PAMStackEntry: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// `path` as written (`pam_unix.so` or a full path), with its arguments and control.
        case module(path: String, arguments: [String], actions: PAMActionTable)
        /// A `substack` line: never run itself, but a jump in the enclosing stack counts the whole
        /// substack as this one step.
        case substack(target: String)
    }

    public var kind: Kind
    /// 0 for the service's own stack, one more inside each `substack` (an `include` or
    /// `@include` adds its lines at the includer's level).
    public var level: Int
    /// Where it was written.
    public var line: PAMConfigLine

    public init(kind: Kind, level: Int, line: PAMConfigLine) {
        self.kind = kind
        self.level = level
        self.line = line
    }

    /// The module's name as libpam reports it: the file name up to its last dot
    /// (`/lib/x86_64-linux-gnu/security/pam_unix.so` is `pam_unix`); nil for a substack.
    public var moduleName: String? {
        guard case .module(let path, _, _) = kind else { return nil }
        let file = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        guard let dot = file.lastIndex(of: ".") else { return file }
        return String(file[..<dot])
    }

    public var description: String { line.description }
}
