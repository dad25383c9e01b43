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

    /// The word-at-a-time scan must agree with the plain definition for every byte value at
    /// every place in a word and in the tail, beside any other byte (a borrow from a neighbour
    /// must not make or hide a hit).
    @Test func theWordScanFindsExactlyTheControlCharacters() {
        let neighbours: [UInt8] = [0x00, 0x1F, 0x20, 0x41, 0x7E, 0x7F, 0x80, 0xC3, 0xFF]
        for length in 1...19 {
            for place in 0..<length {
                for byte in UInt8.min...UInt8.max {
                    for neighbour in neighbours {
                        var bytes = [UInt8](repeating: neighbour, count: length)
                        bytes[place] = byte
                        let expected = bytes.contains { $0 < 0x20 || $0 == 0x7F }
                        let found = bytes.withUnsafeBufferPointer { CompactLogHandler.hasControlCharacter($0) }
                        #expect(found == expected, "bytes \(bytes)")
                        if found != expected { return }
                    }
                }
            }
        }
    }
}
