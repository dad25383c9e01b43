/// Why a saslauthd request is refused before it reaches any backend. `reason` is the text sent
/// after `NO `; it names the problem and never echoes the offending bytes.
public enum SaslauthdRequestError: Error, Equatable, Sendable {
    case fieldTooLong(field: Int)
    case trailingBytes
    case incomplete
    /// Framed correctly, refused by the rules every front door shares.
    case refused(RequestRefusal)

    public var reason: String {
        switch self {
        case .fieldTooLong(let field):
            return "\(SaslauthdCodec.fieldNames[field]) too long (at most \(SaslauthdCodec.maxFieldLength) bytes)"
        case .trailingBytes:
            return "malformed request (data after the last field)"
        case .incomplete:
            return "incomplete request"
        case .refused(let refusal):
            return refusal.reason
        }
    }
}
