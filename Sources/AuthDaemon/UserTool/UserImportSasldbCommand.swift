import ArgumentParser
import AuthWire
import Backends

/// `authmuxd user import-sasldb --sasldb FILE --file PATH`: every sasldb user, realm by realm,
/// as `user@realm` hashed in the default scheme, so a clear-text sasldb can be retired. Users
/// already in the file are left as they are and named.
struct UserImportSasldbCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-sasldb",
        abstract: "Copy every user of a Cyrus sasldb into a passwd-file as user@realm, hashed."
    )

    @OptionGroup var options: UserFileOptions

    @Option(name: .long, help: ArgumentHelp("The sasldb file to read (saslpasswd2's).", valueName: "FILE"))
    var sasldb: String

    @Option(name: [.short, .long], help: "Scheme to hash with (default YESCRYPT).")
    var scheme: String?

    func run() throws {
        let chosen = try UserFileOptions.scheme(scheme)
        let entries: [SASLDBExport.Entry]
        do {
            entries = try SASLDBExport.entries(path: sasldb)
        } catch {
            Console.error("authmuxd: \(error)")
            throw ExitCode(1)
        }
        // Hash first, outside the lock: yescrypt per user takes a while, and the daemon's
        // rehash or another tool must not wait for all of it.
        var hashed: [(user: ByteString, realm: ByteString, entry: [UInt8])] = []
        var refused: [String] = []
        for entry in entries {
            let field = entry.realm.isEmpty ? entry.user : entry.user + ByteString("@") + entry.realm
            guard !field.bytes.contains(UInt8(ascii: ":")), !field.bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
                refused.append(field.text)
                continue
            }
            hashed.append((field, entry.realm, try UserFileOptions.hash(entry.password, scheme: chosen)))
        }
        var added = 0
        var kept: [String] = []
        _ = try options.edit(create: true) { lines in
            for item in hashed {
                if lines.index(ofUser: item.user) != nil {
                    kept.append(item.user.text)
                } else {
                    lines.append(user: item.user, passwordField: item.entry)
                    added += 1
                }
            }
            return added > 0
        }
        let realms = Set(hashed.map(\.realm)).map(\.text).sorted()
        Console.out("imported \(added) of \(entries.count) users from \(sasldb) into \(options.file) (\(chosen.rawValue); realms: \(realms.joined(separator: ", ")))")
        for user in kept { Console.out("  kept the existing entry of \(user)") }
        for user in refused { Console.error("  skipped \(user): a ':' or control character cannot go into a passwd-file user field") }
    }
}
