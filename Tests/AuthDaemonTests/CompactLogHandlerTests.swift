@testable import AuthDaemon
import AuthCore
import Logging
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

/// The check line is built by `LogLineBuilder` in CompactLogHandler's form without going
/// through it: both must write the same bytes for the same fields.
@Suite("Check line form")
struct LogLineBuilderTests {
    @Test func theBuilderWritesWhatTheHandlerWritesForTheSameFields() {
        let odd = "bob \"the\"\\ \n\u{07}josé"
        var line = LogLineBuilder(level: .info, message: "check", timestamped: false)
        line.openQuoted("asked")
        var backend = "mailusers"
        backend.withUTF8 { line.quotedPart($0) }
        line.quotedPart(": ")
        Array(odd.utf8).withUnsafeBufferPointer { line.quotedPart($0) }
        line.quotedPart("; ")
        Array("plain".utf8).withUnsafeBufferPointer { line.quotedPart($0) }
        line.closeQuote()
        line.quoted("backend", "mailusers")
        line.bare("cached", "yes")
        line.quoted("client", Array("192.0.2.1;25".utf8))
        line.number("delay_ms", 2000)
        line.bare("result", "NO")
        line.number("route", 12)
        line.quoted("service", Array("".utf8))
        line.milliseconds("time_ms", microseconds: 64)
        line.milliseconds("time_ms2", microseconds: 12_000)
        line.quoted("trail", "mailusers: wrong password; system: unknown user")
        line.quoted("user", Array(odd.utf8))

        let handler = CompactLogHandler(label: "test", level: .info)
        let metadata: Logger.Metadata = [
            "asked": "mailusers: \(odd); plain", "backend": "mailusers", "cached": "yes", "client": "192.0.2.1;25",
            "delay_ms": "2000", "result": "NO", "route": "12", "service": "", "time_ms": "0.064", "time_ms2": "12.0",
            "trail": "mailusers: wrong password; system: unknown user", "user": "\(odd)",
        ]
        var expected: [UInt8] = []
        handler.appendMessage(
            of: LogEvent(level: .info, message: "check", metadata: metadata, source: "", file: "", function: "", line: 0), to: &expected)
        #expect(line.message == String(decoding: expected, as: UTF8.self))
        // Timestamped, the line ends with the same message after the time and level.
        var timestamped = LogLineBuilder(level: .info, message: "check", timestamped: true)
        timestamped.quoted("user", Array(odd.utf8))
        let whole = timestamped.withLine { String(decoding: $0, as: UTF8.self) }
        #expect(whole.hasSuffix(" info " + timestamped.message), "\(whole)")
        #expect(whole.hasPrefix("20"), "\(whole)")
    }

    /// The check line writes a trail in pieces (`CheckOutcome.writeTrail`), always in quotes:
    /// the same bytes as the trail's text quoted by the handler's rules.
    @Test func aTrailWrittenInPiecesIsTheTrailTextQuoted() {
        let outcomes = [
            CheckOutcome(result: .failed, backend: nil, route: nil, trail: []),
            CheckOutcome(result: .failed, backend: nil, route: nil, trail: [], note: "no route matches"),
            CheckOutcome(
                result: .failed, backend: "directory", route: 2,
                trail: [
                    TrailEntry(backend: "mailusers", verdict: .unknownUser),
                    TrailEntry(backend: "system", verdict: .unavailable(reason: "pam said \"no\"\nretry"), requestedDelay: .milliseconds(2000)),
                    TrailEntry(backend: "directory", verdict: .rejected(reason: "wrong password")),
                    TrailEntry(backend: "other", verdict: .accepted),
                ], note: "throttle: too many checks waiting for this account or client"),
        ]
        for outcome in outcomes {
            var pieces = LogLineBuilder(level: .info, message: "check", timestamped: false)
            pieces.openQuoted("trail")
            outcome.writeTrail { pieces.quotedPart($0) }
            pieces.closeQuote()
            var whole = LogLineBuilder(level: .info, message: "check", timestamped: false)
            whole.quoted("trail", outcome.trailText)
            #expect(pieces.message == whole.message)
        }
        #expect(outcomes[2].trailText == "mailusers: unknown user; system: unavailable (pam said \"no\"\nretry), asked for a 2000 ms delay; "
            + "directory: rejected (wrong password); other: accepted; throttle: too many checks waiting for this account or client")
    }
}
