/// Why a PAM stack could not be judged: a file that cannot be read, a line libpam would refuse or
/// stumble on, an include that goes nowhere or in circles. Located like a compiler error, so the
/// administrator can go straight to the line.
public struct PAMStackError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 0 when the problem is the file as a whole.
    public var line: Int
    public var message: String

    public init(file: String, line: Int = 0, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public init(at line: PAMConfigLine, _ message: String) {
        self.init(file: line.file, line: line.number, message: message)
    }

    public var description: String {
        line == 0 ? "\(file): \(message)" : "\(file):\(line): \(message)"
    }
}
