import Logging
import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#endif

/// One line per event: `2026-11-24T16:45:01.123Z info check backend=mailusers result=OK …`.
///
/// Timestamps are UTC with milliseconds (the journal adds its own; files stay sortable), the
/// date part formatted once per second; metadata keys are sorted so lines diff cleanly; values
/// with spaces are quoted and newlines escaped so no value can forge a second line.
struct CompactLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    let label: String
    let sink: LogSink

    init(label: String, level: Logger.Level, sink: LogSink = .shared) {
        self.label = label
        self.logLevel = level
        self.sink = sink
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var line = Self.timestamp()
        line += " "
        line += event.level.rawValue
        line += " "
        line += Self.escaped(event.message.description)
        for key in merged.keys.sorted() {
            line += " "
            line += key
            line += "="
            line += Self.quoted("\(merged[key]!)")
        }
        sink.append(line, urgent: event.level >= .warning)
    }

    private static let secondCache = NIOLockedValueBox<(second: Int, text: String)>((-1, ""))

    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let second = now.tv_sec
        let prefix: String = secondCache.withLockedValue { cache in
            if cache.second == second { return cache.text }
            var seconds = second
            var parts = tm()
            gmtime_r(&seconds, &parts)
            func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
            let text = "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
            cache = (second, text)
            return text
        }
        let millis = now.tv_nsec / 1_000_000
        let fraction = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(prefix).\(fraction)Z"
    }

    static func escaped(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    static func quoted(_ value: String) -> String {
        guard needsQuotes(value.utf8) else { return value }
        var out: [UInt8] = []
        appendQuoted(value.utf8, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A value is written bare unless it is empty or holds a space, a quote, a backslash or a
    /// control character.
    static func needsQuotes<Bytes: Collection>(_ value: Bytes) -> Bool where Bytes.Element == UInt8 {
        value.isEmpty || value.contains { $0 <= 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == 0x7F }
    }

    /// Appends `value` as a metadata value: bare, or in double quotes with `\\`, `\"`, `\n`,
    /// `\r`, `\t` and `\x..` escapes. On UTF-8 bytes, because the check line is built as bytes
    /// (see `ServerContext.logCheck`) and walking `Character`s costs a grapheme break per
    /// character; bytes from 0x80 up (the rest of any UTF-8 sequence) pass unchanged.
    static func appendQuoted<Bytes: Collection>(_ value: Bytes, to out: inout [UInt8]) where Bytes.Element == UInt8 {
        guard needsQuotes(value) else { return out.append(contentsOf: value) }
        let backslash = UInt8(ascii: "\\")
        out.append(UInt8(ascii: "\""))
        for byte in value {
            switch byte {
            case backslash, UInt8(ascii: "\""):
                out.append(backslash)
                out.append(byte)
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                out.append(backslash)
                out.append(byte == UInt8(ascii: "\n") ? UInt8(ascii: "n") : byte == UInt8(ascii: "\r") ? UInt8(ascii: "r") : UInt8(ascii: "t"))
            case 0..<0x20, 0x7F:
                out.append(contentsOf: "\\x\(String(byte, radix: 16))".utf8)
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
