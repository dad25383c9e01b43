import AuthWire

/// The logins file of `migrate --check`: `user realm password service` per line, separated by
/// spaces or tabs, `-` for an empty realm, `#` comments. Parsed from bytes the caller wipes,
/// so a password never becomes a Swift `String`; a password with a space in it cannot be
/// written here (a test login can be chosen without one).
enum TestLoginFile {
    struct Problem: Error, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    static func parse(_ bytes: UnsafeRawBufferPointer) throws(Problem) -> [TestLogin] {
        var logins: [TestLogin] = []
        var lineNumber = 0
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            lineNumber += 1
            if let login = try parseLine(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), number: lineNumber) {
                logins.append(login)
            }
            start = end + 1
        }
        return logins
    }

    private static func parseLine(_ line: UnsafeRawBufferPointer, number: Int) throws(Problem) -> TestLogin? {
        let isSpace: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
        var fields: [Range<Int>] = []
        var index = 0
        while index < line.count {
            while index < line.count && isSpace(line[index]) { index += 1 }
            guard index < line.count else { break }
            let start = index
            while index < line.count && !isSpace(line[index]) { index += 1 }
            fields.append(start..<index)
        }
        guard let first = fields.first else { return nil }
        if line[first.lowerBound] == UInt8(ascii: "#") { return nil }
        guard fields.count == 4 else {
            throw Problem(line: number, message: "expected `user realm password service` (4 fields, `-` for no realm), found \(fields.count)")
        }
        func text(_ range: Range<Int>) -> String { String(decoding: UnsafeRawBufferPointer(rebasing: line[range]), as: UTF8.self) }
        let realm = text(fields[1])
        return TestLogin(
            line: number, login: text(fields[0]), realm: realm == "-" ? "" : realm,
            password: Secret(copying: UnsafeRawBufferPointer(rebasing: line[fields[2]])), service: text(fields[3]))
    }
}
