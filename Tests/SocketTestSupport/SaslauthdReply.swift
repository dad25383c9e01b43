/// What a raw client got back from the daemon: one counted answer string, or the connection
/// closed without one (end of file or reset).
public enum SaslauthdReply: Equatable, Sendable, CustomStringConvertible {
    case answer(String)
    case closed

    /// The answer grants access: it begins with `OK`.
    public var isOK: Bool {
        if case .answer(let text) = self { return text.hasPrefix("OK") }
        return false
    }

    /// The answer is an explicit refusal: it begins with `NO`.
    public var isNO: Bool {
        if case .answer(let text) = self { return text.hasPrefix("NO") }
        return false
    }

    public var description: String {
        switch self {
        case .answer(let text): "answer \(String(reflecting: text))"
        case .closed: "connection closed without an answer"
        }
    }
}
