public import NIOCore
public import Yams

/// One node of the YAML configuration together with its key path and position, so that every
/// accessor can fail with a located `ConfigError`.
///
/// Yams' `Decodable` support cannot report line numbers or reject unknown keys, which the
/// configuration contract requires, so the tree is walked by hand through these accessors.
public struct ConfigNode {
    public private(set) var node: Node
    public let keyPath: String
    public let file: String

    public init(node: Node, keyPath: String, file: String) {
        self.node = node
        self.keyPath = keyPath
        self.file = file
    }

    public var line: Int { node.mark?.line ?? 1 }
    public var column: Int { node.mark?.column ?? 1 }

    public func error(_ message: String) -> ConfigError {
        ConfigError(file: file, line: line, column: column, keyPath: keyPath, message: message)
    }

    public var isNull: Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// The mapping's entries in file order, refusing duplicate and unknown keys.
    public func mapping(allowed: Set<String>) throws(ConfigError) -> [(key: String, value: ConfigNode)] {
        let entries = try anyMapping()
        for entry in entries where !allowed.contains(entry.key) {
            let known = allowed.sorted().joined(separator: ", ")
            throw entry.value.keyError("unknown key (expected one of: \(known))")
        }
        return entries
    }

    /// The mapping's entries in file order, any key allowed, duplicates refused.
    public func anyMapping() throws(ConfigError) -> [(key: String, value: ConfigNode)] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping of keys to values") }
        var seen = Set<String>()
        var entries: [(key: String, value: ConfigNode)] = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                throw ConfigNode(node: keyNode, keyPath: keyPath, file: file).error("keys must be plain names")
            }
            let key = keyScalar.string
            let child = ConfigNode(node: valueNode, keyPath: keyPath.isEmpty ? key : "\(keyPath).\(key)", file: file)
            guard seen.insert(key).inserted else {
                throw ConfigNode(node: keyNode, keyPath: child.keyPath, file: file).error("duplicate key")
            }
            entries.append((key, child.withKeyMark(keyNode)))
        }
        return entries
    }

    public func sequence() throws(ConfigError) -> [ConfigNode] {
        guard case .sequence(let sequence) = node else { throw error("expected a list") }
        return sequence.enumerated().map { ConfigNode(node: $0.element, keyPath: "\(keyPath)[\($0.offset + 1)]", file: file) }
    }

    public func string() throws(ConfigError) -> String {
        guard case .scalar(let scalar) = node, !isNull else { throw error("expected a string") }
        return scalar.string
    }

    public func nonEmptyString() throws(ConfigError) -> String {
        let value = try string()
        guard !value.isEmpty else { throw error("must not be empty") }
        return value
    }

    public func bool() throws(ConfigError) -> Bool {
        guard case .scalar = node, let value = node.bool else { throw error("expected true or false") }
        return value
    }

    public func int(in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard case .scalar = node, let value = node.int else { throw error("expected a whole number") }
        guard range.contains(value) else { throw error("must be between \(range.lowerBound) and \(range.upperBound)") }
        return value
    }

    /// A string or a list of strings (`service: imap` or `service: [imap, pop]`).
    public func stringList() throws(ConfigError) -> [String] {
        if case .sequence = node {
            var values: [String] = []
            for item in try sequence() { values.append(try item.nonEmptyString()) }
            guard !values.isEmpty else { throw error("must not be an empty list") }
            return values
        }
        return [try nonEmptyString()]
    }

    /// `5s`, `250ms`, `2m`, `1h`, or a bare number of seconds.
    public func duration(in range: ClosedRange<TimeAmount> = .nanoseconds(0) ... .hours(24)) throws(ConfigError) -> TimeAmount {
        let text = try string().trimmingCharacters(in: " ")
        guard let amount = ConfigNode.parseDuration(text) else {
            throw error("expected a duration such as 500ms, 5s, 2m or 1h")
        }
        guard range.contains(amount) else {
            throw error("must be between \(ConfigNode.format(range.lowerBound)) and \(ConfigNode.format(range.upperBound))")
        }
        return amount
    }

    /// The same mapping without `key`, keeping this node's key path and positions.
    public func removing(key: String) -> ConfigNode {
        guard case .mapping(let mapping) = node else { return self }
        let kept = mapping.filter { pair in
            if case .scalar(let scalar) = pair.key { return scalar.string != key }
            return true
        }
        var copy = self
        copy.node = .mapping(Node.Mapping(kept.map { ($0.key, $0.value) }, mapping.tag, mapping.style, mapping.mark))
        return copy
    }

    /// Points errors about a key (rather than its value) at the key's own position.
    private func withKeyMark(_ keyNode: Node) -> ConfigNode {
        var copy = self
        copy.keyMark = keyNode.mark
        return copy
    }

    private var keyMark: Mark?

    func keyError(_ message: String) -> ConfigError {
        ConfigError(file: file, line: keyMark?.line ?? line, column: keyMark?.column ?? column, keyPath: keyPath, message: message)
    }

    public static func parseDuration(_ text: String) -> TimeAmount? {
        let units: [(suffix: String, nanos: Double)] = [("ms", 1e6), ("us", 1e3), ("s", 1e9), ("m", 60e9), ("h", 3600e9)]
        for unit in units where text.hasSuffix(unit.suffix) {
            guard let value = Double(text.dropLast(unit.suffix.count)), value >= 0, value.isFinite else { return nil }
            return clampedNanoseconds(value * unit.nanos)
        }
        guard let seconds = Double(text), seconds >= 0, seconds.isFinite else { return nil }
        return clampedNanoseconds(seconds * 1e9)
    }

    /// `Int64(_:)` traps past 2^63 ns (292 years), and a typo such as `1e12s` must end in a
    /// located error, not a crash (at a SIGHUP reload, of the running daemon). Every range the
    /// loader accepts is far below that, so the clamped value fails the caller's range check.
    private static func clampedNanoseconds(_ nanos: Double) -> TimeAmount {
        nanos < Double(Int64.max) ? .nanoseconds(Int64(nanos)) : .nanoseconds(.max)
    }

    /// The largest whole unit (`10m`, `5s`, `250ms`), as the administrator would write it.
    public static func format(_ amount: TimeAmount) -> String {
        let nanos = amount.nanoseconds
        if nanos == 0 { return "0s" }
        let units: [(suffix: String, nanos: Int64)] = [("h", 3_600_000_000_000), ("m", 60_000_000_000), ("s", 1_000_000_000), ("ms", 1_000_000)]
        for unit in units where nanos % unit.nanos == 0 {
            return "\(nanos / unit.nanos)\(unit.suffix)"
        }
        return "\(Double(nanos) / 1e9)s"
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var slice = Substring(self)
        while slice.first == set { slice.removeFirst() }
        while slice.last == set { slice.removeLast() }
        return String(slice)
    }
}
