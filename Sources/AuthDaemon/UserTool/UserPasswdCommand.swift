import ArgumentParser
import Backends

/// `authmuxd user passwd --file PATH USER`: a new password for an existing user; the rest of
/// the line (uid, home, extra fields) stays as it was.
struct UserPasswdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd",
        abstract: "Set a user's password, read from the terminal (echo off) or --stdin."
    )

    @OptionGroup var options: UserFileOptions

    @Option(name: [.short, .long], help: "Scheme to hash with (default YESCRYPT).")
    var scheme: String?

    @Flag(name: .long, help: "Read the password as one line of standard input.")
    var stdin = false

    @Argument(help: "The user field, byte for byte.")
    var user: String

    func run() throws {
        let field = try UserFileOptions.userField(user)
        let chosen = try UserFileOptions.scheme(scheme)
        let password = try UserFileOptions.password(stdin: stdin)
        let entry = try UserFileOptions.hash(password, scheme: chosen)
        _ = try options.edit { lines in
            guard let index = lines.index(ofUser: field) else {
                Console.error("authmuxd: \(user) is not in \(options.file)")
                throw ExitCode(1)
            }
            lines.setPasswordField(entry, at: index)
            return true
        }
        Console.out("changed the password of \(user) in \(options.file) (\(chosen.rawValue))")
    }
}
