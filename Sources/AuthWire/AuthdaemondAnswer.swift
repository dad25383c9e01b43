/// How a client reads an authdaemond answer, line by line as libsasl2 does.
public enum AuthdaemondAnswer: Equatable, Sendable {
    /// A line holding only `.` ended the account lines.
    case accepted
    /// A line `FAIL`.
    case failed
    /// The server closed without either (Courier's signal for a temporary failure), or sent
    /// something else.
    case noVerdict
}
