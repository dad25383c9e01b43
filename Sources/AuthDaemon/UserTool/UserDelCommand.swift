import ArgumentParser
import Backends

/// `authmuxd user del --file PATH USER`.
struct UserDelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "del", abstract: "Delete a user.")

    @OptionGroup var options: UserFileOptions

    @Argument(help: "The user field, byte for byte.")
    var user: String

    func run() throws {
        let field = try UserFileOptions.userField(user)
        _ = try options.edit { lines in
            guard let index = lines.index(ofUser: field) else {
                Console.error("authmuxd: \(user) is not in \(options.file)")
                throw ExitCode(1)
            }
            lines.remove(at: index)
            return true
        }
        Console.out("deleted \(user) from \(options.file)")
    }
}
