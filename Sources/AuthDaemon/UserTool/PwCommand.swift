import ArgumentParser
import Backends

/// `authmuxd pw [-s SCHEME]`: prints one entry, like `doveadm pw`, for files kept by other tools.
struct PwCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pw",
        abstract: "Hash a password read from the terminal (echo off) or --stdin and print the {SCHEME} entry."
    )

    @Option(name: [.short, .long], help: "Scheme (default YESCRYPT): YESCRYPT, ARGON2ID, ARGON2I, BLF-CRYPT, SHA512-CRYPT, SHA256-CRYPT, PBKDF2, SSHA512, SSHA256, SSHA, SHA512, SHA256.")
    var scheme: String?

    @Flag(name: .long, help: "Read the password as one line of standard input.")
    var stdin = false

    func run() throws {
        let chosen = try UserFileOptions.scheme(scheme)
        let password = try UserFileOptions.password(stdin: stdin)
        Console.out(String(decoding: try UserFileOptions.hash(password, scheme: chosen), as: UTF8.self))
    }
}
