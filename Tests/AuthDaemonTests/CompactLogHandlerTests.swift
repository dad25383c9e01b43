@testable import AuthDaemon
import Testing

/// Log values as CompactLogHandler writes them: the check line builds them from bytes, other
/// lines from strings, and both must read the same.
@Suite("Log value quoting")
struct CompactLogHandlerTests {
    @Test(arguments: [
        ("alice", "alice"),
        ("", "\"\""),
        ("two words", "\"two words\""),
        ("say \"hi\"", "\"say \\\"hi\\\"\""),
        ("back\\slash", "\"back\\\\slash\""),
        ("line\nbreak\r\ttab", "\"line\\nbreak\\r\\ttab\""),
        ("bell\u{07}del\u{7F}", "\"bell\\x7del\\x7f\""),
        ("josé", "josé"),
        ("josé m", "\"josé m\""),
    ])
    func valuesAreQuotedAndEscaped(value: String, written: String) {
        #expect(CompactLogHandler.quoted(value) == written)
        var bytes: [UInt8] = []
        CompactLogHandler.appendQuoted(Array(value.utf8), to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == written)
    }
}
