import ArgumentParser
import AuthCore
import Backends

/// `authmuxd user list --file PATH`: users with their scheme and line, never a hash.
struct UserListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the users, their schemes and lines.")

    @OptionGroup var options: UserFileOptions

    func run() throws {
        let lines: PasswdFileLines
        do {
            lines = try options.editor.read()
        } catch {
            Console.error("authmuxd: \(error)")
            throw ExitCode(1)
        }
        for entry in lines.entries {
            let scheme = StoredPassword(field: entry.password).scheme
            Console.out("\(entry.user.text)\t\(scheme.name)\(scheme.isWeak ? " (weak)" : "")\tline \(entry.line)")
        }
    }
}
