#if canImport(Glibc)
import Glibc
#endif
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

    /// What the file holds for `user`, the same answer `parse` would give, found by one pass
    /// over the bytes that looks only at lines starting with the user and a colon: no entry is
    /// built for anyone else (a changed file is answered without parsing it whole).
    static func find(_ user: ByteString, in bytes: [UInt8]) -> PasswdFileFound {
        let wanted = user.bytes
        var found: [PasswdFileEntry] = []
        var lineNumber = 0
        var start = 0
        bytes.withUnsafeBytes { all in
            guard let base = all.baseAddress else { return }
            while start < all.count {
                // memchr: a changed file is scanned once per check until it is parsed again.
                let newline = memchr(base + start, Int32(UInt8(ascii: "\n")), all.count - start)
                let end = newline.map { UnsafeRawPointer($0) - base } ?? all.count
                lineNumber += 1
                defer { start = end + 1 }
                guard end - start > wanted.count, all[start + wanted.count] == UInt8(ascii: ":"),
                      memcmp(base + start, wanted, wanted.count) == 0
                else { continue }
                var lineEnd = end
                if lineEnd > start && bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                let line = bytes[start..<lineEnd]
                guard case .entry(let userRange, let passwordRange) = PasswdFileLine.classify(line), userRange.count == wanted.count else { continue }
                let password = Array(line.dropFirst(passwordRange.lowerBound).prefix(passwordRange.count))
                found.append(PasswdFileEntry(user: user, password: password, line: lineNumber))
            }
        }
        switch found.count {
        case 0: return .none
        case 1: return .entry(found[0])
        default: return .duplicated(lines: found.map(\.line))
        }
    }

    /// The same question, answered from a parsed file.
    func find(_ user: ByteString) -> PasswdFileFound {
        if let lines = duplicates[user] { return .duplicated(lines: lines) }
        return entries[user].map { .entry($0) } ?? .none
    }
}
