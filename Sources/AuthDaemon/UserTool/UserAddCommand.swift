import ArgumentParser
import Backends

/// `authmuxd user add --file PATH USER`: a new user; the file is created if missing.
struct UserAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a user with a password read from the terminal (echo off) or --stdin."
    )

    @OptionGroup var options: UserFileOptions

    @Option(name: [.short, .long], help: "Scheme to hash with (default YESCRYPT).")
    var scheme: String?

    @Flag(name: .long, help: "Read the password as one line of standard input.")
    var stdin = false

    @Argument(help: "The user field, byte for byte: alice@example.com in one file, alice in a per-domain file.")
    var user: String

    func run() throws {
        let field = try UserFileOptions.userField(user)
        let chosen = try UserFileOptions.scheme(scheme)
        // Refuse before asking for a password the user would type for nothing.
        if (try? options.editor.read().index(ofUser: field)) != nil {
            Console.error("authmuxd: \(user) is already in \(options.file) (use user passwd to change the password)")
            throw ExitCode(1)
        }
        let password = try UserFileOptions.password(stdin: stdin)
        let entry = try UserFileOptions.hash(password, scheme: chosen)
        _ = try options.edit(create: true) { lines in
            if lines.index(ofUser: field) != nil {
                Console.error("authmuxd: \(user) is already in \(options.file)")
                throw ExitCode(1)
            }
            lines.append(user: field, passwordField: entry)
            return true
        }
        Console.out("added \(user) to \(options.file) (\(chosen.rawValue))")
    }
}
