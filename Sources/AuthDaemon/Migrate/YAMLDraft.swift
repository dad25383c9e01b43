/// authmux.yaml written line by line with a comment beside or above each choice, the way an
/// administrator would write it by hand; `YAMLDraft` only indents, quotes and wraps.
struct YAMLDraft {
    private(set) var lines: [String] = []
    /// Comments are wrapped to this width so the file reads in an 100-column terminal.
    private let width = 98

    /// A comment on lines of its own, wrapped at word boundaries.
    mutating func comment(_ text: String, indent: Int = 0) {
        let prefix = String(repeating: " ", count: indent) + "# "
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if !current.isEmpty && prefix.count + current.count + 1 + word.count > width {
                lines.append(prefix + current)
                current = String(word)
            } else {
                current += current.isEmpty ? String(word) : " " + word
            }
        }
        lines.append(prefix + current)
    }

    /// `text` (a key and value, or a list item) with an optional comment after it; a comment
    /// too long to sit beside goes above instead.
    mutating func line(_ text: String, indent: Int = 0, comment: String? = nil) {
        let body = String(repeating: " ", count: indent) + text
        guard let comment else {
            lines.append(body)
            return
        }
        let column = max(body.count + 2, 36)
        if column + 2 + comment.count <= width {
            lines.append(body.padding(toLength: column) + "# " + comment)
        } else {
            self.comment(comment, indent: indent)
            lines.append(body)
        }
    }

    mutating func blank() {
        lines.append("")
    }

    var text: String { lines.joined(separator: "\n") + "\n" }

    /// A YAML double-quoted scalar: every value that comes from another file is written this
    /// way, so `#`, `:`, `%`, `*` or a leading `{` in a filter or a password cannot change what
    /// the YAML means.
    static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// A flow sequence of quoted scalars.
    static func list(_ values: [String]) -> String {
        "[ " + values.map(quoted).joined(separator: ", ") + " ]"
    }
}

extension String {
    fileprivate func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
