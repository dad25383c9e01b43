/// A line's control: the action Linux-PAM takes for each return code of its module.
///
/// Built exactly as libpam builds it (pam_handlers.c, `_pam_parse_control` in pam_misc.c), because
/// the analysis is only as right as this table: the keywords are fixed tables, and the bracket
/// form sets codes left to right, `default=` filling only the codes not yet set, with anything
/// left over acting as `bad`.
public struct PAMActionTable: Sendable, Hashable {
    /// Why a bracketed control was not understood. libpam then treats every code as `bad`, so
    /// the line can never help a check succeed, but it logs an error on every transaction.
    public struct SyntaxError: Error, Sendable, Equatable {
        public var message: String
    }

    private var actions: [PAMAction]

    public subscript(code: PAMReturnCode) -> PAMAction { actions[code.rawValue] }

    private init(_ partial: [PAMAction?], default fallback: PAMAction) {
        actions = partial.map { $0 ?? fallback }
    }

    /// `required`, `requisite`, `sufficient` or `optional` (any case, as libpam compares them);
    /// nil for any other word.
    public init?(keyword: String) {
        var partial = [PAMAction?](repeating: nil, count: PAMReturnCode.allCases.count)
        let fallback: PAMAction
        switch keyword.lowercased() {
        case "required", "requisite":
            partial[PAMReturnCode.success.rawValue] = .ok
            partial[PAMReturnCode.newAuthtokReqd.rawValue] = .ok
            partial[PAMReturnCode.ignore.rawValue] = .ignore
            fallback = keyword.lowercased() == "required" ? .bad : .die
        case "optional":
            partial[PAMReturnCode.success.rawValue] = .ok
            partial[PAMReturnCode.newAuthtokReqd.rawValue] = .ok
            fallback = .ignore
        case "sufficient":
            partial[PAMReturnCode.success.rawValue] = .done
            partial[PAMReturnCode.newAuthtokReqd.rawValue] = .done
            fallback = .ignore
        default:
            return nil
        }
        self.init(partial, default: fallback)
    }

    /// The inside of a `[value=action …]` control, spaces allowed around `=` and between pairs.
    public init(bracketed text: String) throws(SyntaxError) {
        let bytes = Array(text.utf8)
        var partial = [PAMAction?](repeating: nil, count: PAMReturnCode.allCases.count)
        var index = 0
        func skipSpace() {
            while index < bytes.count, Self.isSpace(bytes[index]) { index += 1 }
        }
        func hasPrefix(_ word: String) -> Bool {
            let word = Array(word.utf8)
            return bytes.count - index >= word.count && Array(bytes[index..<index + word.count]) == word
        }
        func rest() -> String { String(decoding: bytes[index...], as: UTF8.self) }
        while true {
            skipSpace()
            guard index < bytes.count else { break }
            // Value names are tried in libpam's order and matched by prefix, then `default`.
            let names = PAMReturnCode.tokens + ["default"]
            guard let value = names.firstIndex(where: hasPrefix) else {
                throw SyntaxError(message: "expecting a return value name at \"\(rest())\"")
            }
            index += names[value].utf8.count
            guard index < bytes.count else { throw SyntaxError(message: "\(names[value]) has no =action") }
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else {
                throw SyntaxError(message: "expecting = after \(names[value])")
            }
            index += 1
            skipSpace()
            guard index < bytes.count else { throw SyntaxError(message: "\(names[value])= has no action") }
            let action: PAMAction
            if let named = PAMAction.named.first(where: { hasPrefix($0.token) }) {
                action = named.action
                index += named.token.utf8.count
            } else {
                var count = 0
                guard Self.isDigit(bytes[index]) else {
                    throw SyntaxError(message: "expecting an action or a jump count at \"\(rest())\"")
                }
                while index < bytes.count, Self.isDigit(bytes[index]) {
                    let (times, overflowA) = count.multipliedReportingOverflow(by: 10)
                    let (sum, overflowB) = times.addingReportingOverflow(Int(bytes[index] - UInt8(ascii: "0")))
                    guard !overflowA, !overflowB, sum <= Int(Int32.max) else { throw SyntaxError(message: "jump count too large") }
                    count = sum
                    index += 1
                }
                guard count > 0 else { throw SyntaxError(message: "a jump of 0 (write ignore)") }
                action = .jump(count)
            }
            if value < PAMReturnCode.allCases.count {
                partial[value] = action
            } else {
                for code in partial.indices where partial[code] == nil { partial[code] = action }
            }
        }
        self.init(partial, default: .bad)
    }

    /// C's isspace in the "C" locale.
    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
