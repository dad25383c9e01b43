import ArgumentParser
import AuthWire
#if canImport(Glibc)
import Glibc
#endif

/// `authtest`: the command-line client of authmux (and of any saslauthd).
@main
struct Authtest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authtest",
        abstract: "Check a password against a saslauthd, pwcheck or authdaemond server, or load-test a saslauthd one.",
        version: AuthmuxVersion.version,
        subcommands: [CheckCommand.self, BenchCommand.self],
        defaultSubcommand: CheckCommand.self
    )

    /// Usage errors exit 2 (not ArgumentParser's 64): scripts written for testsaslauthd and
    /// the documented contract tell OK (0), NO (1) and "could not ask" (2) apart.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success || code.rawValue == 1 || code.rawValue == 2 { exit(withError: error) }
            Console.error(fullMessage(for: error))
            Glibc.exit(2)
        }
    }
}
