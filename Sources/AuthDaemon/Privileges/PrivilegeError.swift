/// Why authmuxd could not switch to its `run_as` account; the start is stopped, never
/// continued as root.
struct PrivilegeError: Error, CustomStringConvertible {
    var description: String
    /// True for a mistake in the configuration (exit status 2) rather than in the host (1).
    var configProblem = false
}
