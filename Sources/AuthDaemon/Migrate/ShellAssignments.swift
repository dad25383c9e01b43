import Foundation

/// The variable assignments of a file that an init script or unit sources
/// (`/etc/default/saslauthd`, `/etc/sysconfig/saslauthd`), read without running a shell.
///
/// Those files are meant to hold `NAME="value"` lines and nothing else; that is what is read
/// here: double-quoted (with `\"`, `\\`, `$NAME` and `${NAME}` of earlier lines), single-quoted
/// and bare values, an optional `export`, `#` comments. Anything else (an `if`, a command) is
/// kept in `ignored`, so the migration can say it did not follow it rather than guess.
struct ShellAssignments: Equatable {
    private(set) var values: [String: String] = [:]
    /// The line each variable was (last) set on, for comments that point back at the file.
    private(set) var lines: [String: Int] = [:]
    private(set) var ignored: [Int] = []

    init(text: String) {
        for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = Substring(raw.trimmingCharacters(in: .whitespacesAndNewlines))
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = Substring(line.dropFirst("export ".count).trimmingCharacters(in: .whitespacesAndNewlines)) }
            guard let equals = line.firstIndex(of: "="), Self.isName(line[..<equals]),
                  let value = parseValue(line[line.index(after: equals)...])
            else {
                ignored.append(offset + 1)
                continue
            }
            let name = String(line[..<equals])
            values[name] = value
            lines[name] = offset + 1
        }
    }

    subscript(name: String) -> String? { values[name] }

    private static func isName(_ text: Substring) -> Bool {
        guard let first = text.first, first == "_" || (first.isASCII && first.isLetter) else { return false }
        return text.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }

    /// The value, or nil when the text is more than one word of shell (a command follows).
    private func parseValue(_ text: Substring) -> String? {
        var result = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            switch character {
            case "\"":
                index = text.index(after: index)
                while index < text.endIndex && text[index] != "\"" {
                    if text[index] == "\\", text.index(after: index) < text.endIndex, "\"\\$`".contains(text[text.index(after: index)]) {
                        index = text.index(after: index)
                        result.append(text[index])
                        index = text.index(after: index)
                    } else if text[index] == "$" {
                        index = expand(text, from: index, into: &result)
                    } else {
                        result.append(text[index])
                        index = text.index(after: index)
                    }
                }
                guard index < text.endIndex else { return nil }
                index = text.index(after: index)
            case "'":
                index = text.index(after: index)
                guard let close = text[index...].firstIndex(of: "'") else { return nil }
                result += text[index..<close]
                index = text.index(after: close)
            case " ", "\t":
                // Only a comment may follow the value.
                let rest = text[index...].trimmingCharacters(in: .whitespacesAndNewlines)
                return rest.isEmpty || rest.hasPrefix("#") ? result : nil
            case "$":
                index = expand(text, from: index, into: &result)
            case ";", "&", "|", "`", "(", ")", "<", ">":
                return nil
            default:
                result.append(character)
                index = text.index(after: index)
            }
        }
        return result
    }

    /// `$NAME` or `${NAME}` at `index`, replaced by an earlier line's value (empty when unset,
    /// as the shell would); returns the index after it.
    private func expand(_ text: Substring, from index: Substring.Index, into result: inout String) -> Substring.Index {
        var cursor = text.index(after: index)
        let braced = cursor < text.endIndex && text[cursor] == "{"
        if braced { cursor = text.index(after: cursor) }
        let start = cursor
        while cursor < text.endIndex, text[cursor] == "_" || (text[cursor].isASCII && (text[cursor].isLetter || text[cursor].isNumber)) {
            cursor = text.index(after: cursor)
        }
        let name = String(text[start..<cursor])
        if name.isEmpty {
            result.append("$")
            return text.index(after: index)
        }
        if braced {
            guard cursor < text.endIndex, text[cursor] == "}" else {
                result += text[index..<cursor]
                return cursor
            }
            cursor = text.index(after: cursor)
        }
        result += values[name] ?? ""
        return cursor
    }
}
