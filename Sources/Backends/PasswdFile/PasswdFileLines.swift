public import AuthWire

/// A passwd-file as lines, for rewriting: every line kept byte for byte (comments, blank
/// lines, malformed ones, other users' extra fields), only the entries asked for changed.
public struct PasswdFileLines: Sendable {
    public private(set) var lines: [[UInt8]]

    public init(bytes: [UInt8]) {
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
        // The newline that ends the last line does not start another one.
        if lines.last?.isEmpty == true { lines.removeLast() }
        self.lines = lines
    }

    public var bytes: [UInt8] {
        var out: [UInt8] = []
        for line in lines {
            out += line
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    private func entry(at index: Int) -> (user: Range<Int>, password: Range<Int>)? {
        var line = lines[index][...]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        guard case .entry(let user, let password) = PasswdFileLine.classify(line) else { return nil }
        return (user, password)
    }

    /// The line of `user`'s entry, matched byte for byte (the first, as the backend reads it).
    public func index(ofUser user: ByteString) -> Int? {
        lines.indices.first { index in
            guard let found = entry(at: index) else { return false }
            return lines[index][found.user].elementsEqual(user.bytes)
        }
    }

    public func passwordField(at index: Int) -> [UInt8]? {
        entry(at: index).map { Array(lines[index][$0.password]) }
    }

    /// Replaces the password field and keeps the rest of the line.
    public mutating func setPasswordField(_ field: [UInt8], at index: Int) {
        guard let found = entry(at: index) else { return }
        lines[index].replaceSubrange(found.password, with: field)
    }

    public mutating func append(user: ByteString, passwordField: [UInt8]) {
        lines.append(user.bytes + [UInt8(ascii: ":")] + passwordField)
    }

    public mutating func remove(at index: Int) {
        lines.remove(at: index)
    }

    /// Every entry in file order: user, password field and 1-based line number.
    public var entries: [(user: ByteString, password: [UInt8], line: Int)] {
        lines.indices.compactMap { index in
            guard let found = entry(at: index) else { return nil }
            return (ByteString(Array(lines[index][found.user])), Array(lines[index][found.password]), index + 1)
        }
    }
}
