/// Failures of the client itself (not answers from the server).
enum ClientError: Error, CustomStringConvertible {
    case closedWithoutAnswer
    case timedOut

    var description: String {
        switch self {
        case .closedWithoutAnswer: return "the server closed the connection without answering"
        case .timedOut: return "no answer within the timeout"
        }
    }
}
