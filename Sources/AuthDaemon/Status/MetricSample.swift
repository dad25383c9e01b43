/// One sample line of the Prometheus text format: `name{label="value",...} 42`.
struct MetricSample: Sendable, Equatable {
    let name: String
    let labels: [String: String]
    let value: Double

    /// Every sample of an exposition (comments and blank lines skipped; a line that does not
    /// parse is skipped too: `status` summarizes, it does not validate).
    static func parseAll(_ text: String) -> [MetricSample] {
        text.split(separator: "\n").compactMap { line in
            line.hasPrefix("#") ? nil : parse(Substring(line))
        }
    }

    static func parse(_ line: Substring) -> MetricSample? {
        var labels: [String: String] = [:]
        let name: Substring
        var rest: Substring
        if let brace = line.firstIndex(of: "{") {
            name = line[..<brace]
            rest = line[line.index(after: brace)...]
            while true {
                rest = rest.drop { $0 == " " || $0 == "," }
                if rest.first == "}" {
                    rest = rest.dropFirst()
                    break
                }
                guard let equals = rest.firstIndex(of: "="), rest[rest.index(after: equals)...].first == "\"" else { return nil }
                let key = String(rest[..<equals])
                var value = ""
                var index = rest.index(equals, offsetBy: 2)
                var escaped = false
                while index < rest.endIndex {
                    let character = rest[index]
                    if escaped {
                        value.append(character == "n" ? "\n" : character)
                        escaped = false
                    } else if character == "\\" {
                        escaped = true
                    } else if character == "\"" {
                        break
                    } else {
                        value.append(character)
                    }
                    index = rest.index(after: index)
                }
                guard index < rest.endIndex else { return nil }
                labels[key] = value
                rest = rest[rest.index(after: index)...]
            }
        } else {
            guard let space = line.firstIndex(of: " ") else { return nil }
            name = line[..<space]
            rest = line[space...]
        }
        let fields = rest.split(separator: " ")
        guard !name.isEmpty, let first = fields.first, let value = Double(first) ?? (first == "+Inf" ? .infinity : nil) else { return nil }
        return MetricSample(name: String(name), labels: labels, value: value)
    }
}
