import Foundation

/// A file in Cyrus SASL's `key: value` format: `/etc/saslauthd.conf` and a consumer's SASL
/// file (`/etc/postfix/sasl/smtpd.conf`). Keys are case-insensitive as both readers treat them;
/// the value is the rest of the line; `#` starts a comment line.
struct SaslKeyValueFile: Equatable {
    struct Entry: Equatable {
        var key: String
        var value: String
        var line: Int
    }

    let path: String
    private(set) var entries: [Entry] = []
    /// Lines that are neither comments nor `key: value`.
    private(set) var malformed: [Int] = []

    init(text: String, path: String) {
        self.path = path
        for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else {
                malformed.append(offset + 1)
                continue
            }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            entries.append(Entry(key: key, value: value, line: offset + 1))
        }
    }

    /// The last value given for `key` (both readers let a later line win).
    func entry(_ key: String) -> Entry? { entries.last { $0.key == key } }

    func value(_ key: String) -> String? { entry(key)?.value }
}
