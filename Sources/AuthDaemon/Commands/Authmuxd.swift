import ArgumentParser

/// `authmuxd`: the daemon, and the administrator's tools to check what it would do. Started by
/// `AuthmuxdEntry`.
struct Authmuxd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authmuxd",
        abstract: "Answers saslauthd, pwcheck, authdaemond and Dovecot password checks from PAM, sasldb, LDAP and passwd-file under one set of realm rules.",
        version: BuildInfo.version,
        subcommands: [RunCommand.self, CheckConfigCommand.self, ExplainCommand.self, StatusCommand.self, UserCommand.self, PwCommand.self, MigrateCommand.self],
        defaultSubcommand: RunCommand.self
    )
}
