/// Splits a PAM service file into lines and tokens exactly as Debian 12's libpam (1.5.2) does,
/// so that the analysis sees the stack PAM will run, not a tidier one.
///
/// The rules, checked against the real library: leading blanks and `#` comments are skipped, a
/// `#` ends a line (even one ending in `\`); a line whose last non-blank is `\` continues on the
/// next non-blank, non-comment line, the `\` becoming a space; a file that ends while a line is
/// continued is refused by libpam as a whole. Tokens are separated by space, tab and newline
/// only (a carriage return is part of a token, so a CRLF file names modules that do not exist),
/// and `[…]` is one token, `\]` standing for `]` inside it.
public enum PAMServiceFileParser {
    /// libpam 1.5.2 assembles a line in a 1024-byte buffer: a longer one is cut in two lines
    /// (the rest read as a line of its own) or, when continued, refuses the file.
    public static let longestLine = 1023

    public static func lines(in bytes: [UInt8], file: String) throws(PAMStackError) -> [PAMConfigLine] {
        guard !bytes.contains(0) else {
            throw PAMStackError(file: file, message: "contains a NUL byte, where libpam would end the line")
        }
        var physical = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if bytes.last == UInt8(ascii: "\n") { physical.removeLast() }
        var lines: [PAMConfigLine] = []
        var pending: [UInt8] = []
        var firstNumber = 0
        var continuing = false
        func finish() throws(PAMStackError) {
            guard pending.count <= longestLine else {
                throw PAMStackError(file: file, line: firstNumber, message: "line longer than the \(longestLine) bytes libpam reads at once: it would split it")
            }
            lines.append(PAMConfigLine(file: file, number: firstNumber, tokens: tokenize(pending), text: display(pending)))
            pending = []
            continuing = false
        }
        for (offset, piece) in physical.enumerated() {
            // Blank and comment-only lines are skipped, also between continued lines.
            guard let start = piece.firstIndex(where: { !isBlank($0) }), piece[start] != UInt8(ascii: "#") else { continue }
            if !continuing { firstNumber = offset + 1 }
            if let hash = piece[start...].firstIndex(of: UInt8(ascii: "#")) {
                pending += piece[piece.startIndex..<hash]
                try finish()
                continue
            }
            var end = piece.endIndex
            while end > start, isBlank(piece[end - 1]) { end -= 1 }
            if piece[end - 1] == UInt8(ascii: "\\") {
                pending += piece[piece.startIndex..<(end - 1)]
                pending.append(UInt8(ascii: " "))
                continuing = true
                guard pending.count <= longestLine else {
                    throw PAMStackError(file: file, line: firstNumber, message: "continued line longer than the \(longestLine) bytes libpam reads at once: it refuses the file")
                }
            } else {
                pending += piece
                try finish()
            }
        }
        if continuing {
            throw PAMStackError(file: file, line: firstNumber, message: "the file ends inside a line continued with \\: libpam refuses the whole file")
        }
        return lines
    }

    /// libpam's `_pam_tokenize`.
    static func tokenize(_ bytes: [UInt8]) -> [String] {
        var tokens: [String] = []
        var index = 0
        while true {
            while index < bytes.count, isDelimiter(bytes[index]) { index += 1 }
            guard index < bytes.count else { return tokens }
            var token: [UInt8] = []
            if bytes[index] == UInt8(ascii: "[") {
                index += 1
                while index < bytes.count, bytes[index] != UInt8(ascii: "]") {
                    if bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "]") { index += 1 }
                    token.append(bytes[index])
                    index += 1
                }
                index += 1
            } else {
                while index < bytes.count, !isDelimiter(bytes[index]) {
                    token.append(bytes[index])
                    index += 1
                }
            }
            tokens.append(String(decoding: token, as: UTF8.self))
        }
    }

    private static func display(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).joined(separator: " ")
    }

    /// What libpam skips at the start and end of a physical line.
    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
    }

    private static func isDelimiter(_ byte: UInt8) -> Bool { isBlank(byte) }
}
