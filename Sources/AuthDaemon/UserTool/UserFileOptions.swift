import ArgumentParser
import AuthWire
import Backends

/// `--file PATH` and the checks every user subcommand shares.
struct UserFileOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The passwd-file to change (Dovecot format).", valueName: "PATH"))
    var file: String

    var editor: PasswdFileEditor { PasswdFileEditor(path: file) }

    /// A user field the file can hold: not empty, no `:` (the field separator), no control
    /// characters, not starting with `#` (a comment).
    static func userField(_ text: String) throws -> ByteString {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, !bytes.contains(UInt8(ascii: ":")), bytes.first != UInt8(ascii: "#"),
              !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F })
        else {
            Console.error("authmuxd: \"\(text)\" cannot be a user field (empty, ':' or control characters, or a leading '#')")
            throw ExitCode(2)
        }
        return ByteString(bytes)
    }

    static func scheme(_ name: String?) throws -> HashingScheme {
        guard let name else { return HashingScheme.defaultScheme }
        guard let scheme = HashingScheme(name: name) else {
            Console.error("authmuxd: unknown or weak scheme \"\(name)\"; one of: \(HashingScheme.allCases.map(\.rawValue).joined(separator: ", "))")
            throw ExitCode(2)
        }
        return scheme
    }

    /// Runs a file change, turning its errors into a message and exit status 1.
    func edit(create: Bool = false, _ change: (inout PasswdFileLines) throws -> Bool) throws -> Bool {
        do {
            return try editor.update(create: create, change)
        } catch let error as ExitCode {
            throw error
        } catch {
            Console.error("authmuxd: \(error)")
            throw ExitCode(1)
        }
    }

    static func hash(_ password: Secret, scheme: HashingScheme) throws -> [UInt8] {
        do {
            return Array(try PasswordHasher.hash(password, scheme: scheme).utf8)
        } catch {
            Console.error("authmuxd: \(error)")
            throw ExitCode(1)
        }
    }

    static func password(stdin: Bool) throws -> Secret {
        do {
            return try PasswordInput.read(fromStandardInput: stdin, confirm: !stdin)
        } catch {
            Console.error("authmuxd: \(error)")
            throw ExitCode(1)
        }
    }
}
