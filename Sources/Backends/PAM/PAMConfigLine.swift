/// One line of a PAM service file as libpam reads it: physical lines joined where one ends in
/// `\`, comments dropped, split into libpam's tokens (`[…]` is one token, without its brackets).
public struct PAMConfigLine: Sendable, Hashable, CustomStringConvertible {
    /// The file it was read from, as opened.
    public var file: String
    /// The first physical line, counted from 1.
    public var number: Int
    public var tokens: [String]
    /// The line as written, runs of blanks shown as one space: what an administrator would grep for.
    public var text: String

    public init(file: String, number: Int, tokens: [String], text: String) {
        self.file = file
        self.number = number
        self.tokens = tokens
        self.text = text
    }

    /// `file:line`, the form compilers and editors jump to.
    public var location: String { "\(file):\(number)" }

    public var description: String { "\(location): \(text)" }
}
