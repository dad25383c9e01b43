import ArgumentParser

/// `authmuxd user …`: manages a passwd-file's users, with the same locked, atomic writes as the
/// backend's `rehash`, so it is safe while authmuxd (or Dovecot) reads the file.
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Add, change, delete, list or import users of a passwd-file.",
        subcommands: [UserAddCommand.self, UserPasswdCommand.self, UserDelCommand.self, UserListCommand.self, UserImportSasldbCommand.self]
    )
}
