public import AuthWire

/// A passwd-file parsed: its users keyed by the exact bytes of the user field, and everything
/// wrong with it, by line.
public struct PasswdFileContents: Sendable {
    public struct Problem: Sendable, Equatable {
        public var line: Int
        public var reason: String
    }

    /// The first entry of each user. A user written twice is in `duplicates` too and is never
    /// answered from either line (which one the administrator meant cannot be known).
    public var entries: [ByteString: PasswdFileEntry] = [:]
    /// Every line of a user that appears more than once, in file order.
    public var duplicates: [ByteString: [Int]] = [:]
    public var malformed: [Problem] = []

    public init() {}

    /// Splits at `\n` (a `\r` before it is dropped: files edited on other systems) and
    /// classifies each line. Linear in the file's size, no copy of a line except the fields.
    public static func parse(_ bytes: [UInt8]) -> PasswdFileContents {
        var contents = PasswdFileContents()
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            lineNumber += 1
            var lineEnd = end
            if lineEnd > start && bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
            let line = bytes[start..<lineEnd]
            switch PasswdFileLine.classify(line) {
            case .blank, .comment:
                break
            case .malformed(let reason):
                contents.malformed.append(Problem(line: lineNumber, reason: reason))
            case .entry(let userRange, let passwordRange):
                let user = ByteString(Array(line.dropFirst(userRange.lowerBound).prefix(userRange.count)))
                let password = Array(line.dropFirst(passwordRange.lowerBound).prefix(passwordRange.count))
                if let first = contents.entries[user] {
                    if contents.duplicates[user] == nil { contents.duplicates[user] = [first.line] }
                    contents.duplicates[user]!.append(lineNumber)
                } else {
                    contents.entries[user] = PasswdFileEntry(user: user, password: password, line: lineNumber)
                }
            }
            start = end + 1
        }
        return contents
    }
}
