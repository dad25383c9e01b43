/// Why `CoreDumpGuard` could not protect the process; the start stops (exit 1) rather than run
/// with passwords that a core dump could write out.
struct CoreDumpGuardError: Error, CustomStringConvertible {
    var description: String
}
