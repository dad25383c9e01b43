/// What a finished command left behind. Its description is meant to be pasted into a failing
/// expectation, so it repeats the command line and both output streams.
struct ProcessResult: Sendable, CustomStringConvertible {
    let commandLine: String
    let termination: Termination
    let stdout: String
    let stderr: String

    /// Standard output and standard error together, for checks that should not care which
    /// stream a tool chose for a message.
    var output: String { stdout + stderr }

    var description: String {
        "`\(commandLine)` -> \(termination)\n--- stdout ---\n\(stdout)--- stderr ---\n\(stderr)"
    }
}
