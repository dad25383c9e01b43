import Backends
import Foundation
import Testing

/// Lines and tokens as Debian 12's libpam reads them (each rule was checked against the real
/// library with pam_start_confdir before it was written down here).
@Suite("PAM service file parser")
struct PAMServiceFileParserTests {
    func lines(_ text: String) throws -> [PAMConfigLine] {
        try PAMServiceFileParser.lines(in: Array(text.utf8), file: "/f")
    }

    @Test func commentsBlankLinesAndLeadingSpaceAreSkipped() throws {
        let parsed = try lines("#%PAM-1.0\n\n   # a comment\n\tauth   required\tpam_unix.so nullok   # trailing comment\n")
        #expect(parsed.map(\.tokens) == [["auth", "required", "pam_unix.so", "nullok"]])
        #expect(parsed.first?.number == 4)
        #expect(parsed.first?.text == "auth required pam_unix.so nullok")
    }

    @Test func aBackslashContinuesTheLineAndBecomesASpace() throws {
        let parsed = try lines("auth \\\n  # skipped, even inside a continued line\n\n  [success=1 \\\n default=ignore] pam_unix.so\nauth required pam_per\\\nmit.so\n")
        #expect(parsed.map(\.tokens) == [["auth", "success=1   default=ignore", "pam_unix.so"], ["auth", "required", "pam_per", "mit.so"]])
        #expect(parsed.map(\.number) == [1, 6])
    }

    @Test func aCommentEndsALineEvenBeforeABackslash() throws {
        let parsed = try lines("auth required pam_permit.so # no continuation \\\nauth required pam_deny.so\n")
        #expect(parsed.map { $0.tokens[2] } == ["pam_permit.so", "pam_deny.so"])
    }

    @Test func aFileEndingInsideAContinuedLineIsRefused() throws {
        #expect(throws: PAMStackError(file: "/f", line: 2, message: "the file ends inside a line continued with \\: libpam refuses the whole file")) {
            try lines("auth required pam_unix.so\nauth required pam_permit.so \\\n\n# nothing follows\n")
        }
    }

    @Test func bracketsAreOneTokenWithSpacesAndEscapedClosingBrackets() throws {
        let parsed = try lines("auth [ success = 1  default=ignore ]pam_unix.so [arg with \\] inside] last\n")
        #expect(parsed.first?.tokens == ["auth", " success = 1  default=ignore ", "pam_unix.so", "arg with ] inside", "last"])
        let unclosed = try lines("auth [success=ok default=bad pam_permit.so\n")
        #expect(unclosed.first?.tokens == ["auth", "success=ok default=bad pam_permit.so"])
    }

    @Test func aCarriageReturnIsPartOfAToken() throws {
        // libpam splits on space, tab and newline only: a CRLF file names `pam_deny.so\r`.
        let parsed = try lines("auth required pam_deny.so\r\n")
        #expect(parsed.first?.tokens.last == "pam_deny.so\r")
    }

    @Test func overLongLinesAndNULBytesAreRefused() throws {
        let long = "auth required pam_unix.so " + String(repeating: "x", count: 1100)
        #expect(throws: PAMStackError.self) { try lines(long + "\n") }
        #expect(try lines("auth required pam_unix.so " + String(repeating: "x", count: 900) + "\n").count == 1)
        #expect(throws: PAMStackError.self) { try PAMServiceFileParser.lines(in: Array("auth required pam_unix.so\0\n".utf8), file: "/f") }
    }

    @Test func theRealDebianFilesParse() throws {
        for name in ["su", "common-auth", "other", "login"] {
            let file = "/etc/pam.d/\(name)"
            let bytes = try #require(FileManager.default.contents(atPath: file), "\(file) is missing: libpam-runtime, login and util-linux provide it")
            let parsed = try PAMServiceFileParser.lines(in: Array(bytes), file: file)
            #expect(!parsed.isEmpty, "\(file)")
            #expect(parsed.allSatisfy { !$0.tokens.isEmpty && !$0.tokens[0].hasPrefix("#") }, "\(file)")
        }
        let su = try PAMServiceFileParser.lines(in: Array(try #require(FileManager.default.contents(atPath: "/etc/pam.d/su"))), file: "/etc/pam.d/su")
        #expect(su.first?.tokens == ["auth", "sufficient", "pam_rootok.so"])
    }
}
