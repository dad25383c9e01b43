import ArgumentParser
import AuthWire
import NIOCore
import NIOPosix

/// `authtest USER REALM PASSWORD`, or testsaslauthd's `-u -r -p -s -f` flags: one check,
/// the server's answer printed, exit 0 for OK and 1 for NO (or FAIL). `--protocol` picks the
/// front door: saslauthd (the default), pwcheck, authdaemond or dovecot.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Ask a saslauthd, pwcheck, authdaemond or Dovecot-auth server to check one password (the default)."
    )

    @Argument(help: "User (login) to check.") var positionalUser: String?
    @Argument(help: "Realm field; may be empty (\"\").") var positionalRealm: String?
    @Argument(help: "Password; prefer the prompt or --password-stdin, which keep it out of the process list.") var positionalPassword: String?

    @Option(name: [.customShort("u"), .customLong("user")], help: "User (as testsaslauthd -u).") var user: String?
    @Option(name: [.customShort("r"), .customLong("realm")], help: "Realm (as testsaslauthd -r).") var realm: String?
    @Option(name: [.customShort("p"), .customLong("password")], help: "Password (as testsaslauthd -p).") var password: String?
    @Option(name: [.customShort("s"), .customLong("service")], help: "Service name.") var service: String = "imap"
    @Option(name: [.customShort("f"), .customLong("socket")], help: "Server socket (default: /run/saslauthd/mux for saslauthd, /var/pwcheck/pwcheck for pwcheck; required for authdaemond).") var socketOption: String?
    @Option(name: .customLong("protocol"), help: "Wire protocol: saslauthd, pwcheck, authdaemond or dovecot.") var wireProtocol: WireProtocol = .saslauthd
    @Option(name: .customLong("mech"), help: "SASL mechanism on the dovecot protocol: PLAIN or LOGIN.") var mechanism: String = "PLAIN"
    @Flag(name: .long, help: "Read the password from the first line of standard input.") var passwordStdin = false
    @Option(name: .long, help: "Request form: 4 fields (released Cyrus SASL) or 5 (with client address).") var fields: RequestForm?
    @Option(name: .long, help: "Client address for the fifth field, as ip;port (implies --fields 5).") var clientAddress: String?
    @Option(name: .long, help: "Seconds to wait for the answer.") var timeout: Double = 10

    func validate() throws {
        if user != nil && positionalUser != nil { throw ValidationError("give the user either with -u or as an argument, not both") }
        if (user ?? positionalUser) == nil { throw ValidationError("missing user: authtest USER [REALM] [PASSWORD], or -u USER") }
        if passwordStdin && (password ?? positionalPassword) != nil { throw ValidationError("--password-stdin and a password argument exclude each other") }
        if fields == .four && clientAddress != nil { throw ValidationError("--client-address needs --fields 5") }
        if wireProtocol != .saslauthd && (fields != nil || clientAddress != nil) {
            throw ValidationError("--fields and --client-address are saslauthd options")
        }
        if socketOption == nil && wireProtocol.defaultSocket == nil {
            throw ValidationError("\(wireProtocol.rawValue) has no default socket: give -f PATH (the consumer's authdaemond_path or smtpd_sasl_path)")
        }
        if DovecotMechanism(rawValue: mechanism.uppercased()) == nil { throw ValidationError("--mech must be PLAIN or LOGIN") }
        if wireProtocol != .dovecot && mechanism.uppercased() != "PLAIN" { throw ValidationError("--mech is a dovecot option") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    func run() async throws {
        let login = user ?? positionalUser ?? ""
        let realmField = realm ?? positionalRealm ?? ""
        guard let secret = readPassword() else {
            Console.error("authtest: no password (give -p, --password-stdin, or run on a terminal to be asked)")
            throw ExitCode(2)
        }
        if wireProtocol == .dovecot {
            try askDovecot(login: login, realm: realmField, password: secret)
            return
        }
        if wireProtocol != .saslauthd {
            try await askReadToClose(login: login, realm: realmField, password: secret)
            return
        }
        let form = fields ?? (clientAddress != nil ? .five : .four)
        let address: String? = form == .five ? (clientAddress ?? "") : nil
        var request = ByteBuffer()
        do {
            try SaslauthdCodec.encodeRequest(login: login, password: secret, service: service, realm: realmField, clientAddress: address, into: &request)
        } catch {
            Console.error("authtest: \(error.reason)")
            throw ExitCode(2)
        }
        let answer: String
        do {
            answer = try await client.exchange(request) { AnswerHandler(promise: $0) }.get()
        } catch {
            Console.error("authtest: \(socket): \(error)")
            throw ExitCode(2)
        }
        Console.out(answer)
        if !SaslauthdCodec.isSuccess(answer) { throw ExitCode(1) }
    }

    private var socket: String { socketOption ?? wireProtocol.defaultSocket ?? "" }

    private var client: OneShotClient {
        OneShotClient(group: MultiThreadedEventLoopGroup.singleton, socketPath: socket, timeout: .nanoseconds(Int64(timeout * 1e9)))
    }

    /// pwcheck and authdaemond have no realm field: a realm given is appended to a login that
    /// names none, as libsasl2 does with its consumer's `user_realm`.
    private func askReadToClose(login: String, realm: String, password: Secret) async throws {
        let user = realm.isEmpty || login.contains("@") ? login : "\(login)@\(realm)"
        var request = ByteBuffer()
        do {
            switch wireProtocol {
            case .pwcheck: try PwcheckCodec.encodeRequest(login: user, password: password, into: &request)
            case .authdaemond: try AuthdaemondCodec.encodeRequest(service: service, login: user, password: password, into: &request)
            case .saslauthd, .dovecot: preconditionFailure("saslauthd and dovecot have answers of their own")
            }
        } catch {
            Console.error("authtest: \(error.reason)")
            throw ExitCode(2)
        }
        let bytes: [UInt8]
        do {
            bytes = try await client.exchange(request) { CloseAnswerHandler(promise: $0) }.get()
        } catch {
            Console.error("authtest: \(socket): \(error)")
            throw ExitCode(2)
        }
        if wireProtocol == .pwcheck {
            let answer = PwcheckCodec.decodeAnswer(bytes)
            guard !bytes.isEmpty else {
                Console.error("authtest: \(socket): \(ClientError.closedWithoutAnswer)")
                throw ExitCode(2)
            }
            Console.out(answer)
            if !PwcheckCodec.isSuccess(answer) { throw ExitCode(1) }
            return
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard !bytes.isEmpty else {
            // Courier's daemon says "temporary failure" by closing without an answer.
            Console.error("authtest: \(socket): \(ClientError.closedWithoutAnswer) (authdaemond's temporary failure)")
            throw ExitCode(2)
        }
        Console.out(text.hasSuffix("\n") ? String(text.dropLast()) : text)
        if AuthdaemondCodec.decodeAnswer(text) != .accepted { throw ExitCode(1) }
    }

    /// One connection, one request, as Exim asks; the realm joins the login as on pwcheck.
    private func askDovecot(login: String, realm: String, password: Secret) throws {
        let user = realm.isEmpty || login.contains("@") ? login : "\(login)@\(realm)"
        let answer: BlockingDovecotClient.Answer
        do {
            let client = try BlockingDovecotClient(socketPath: socket, timeoutSeconds: max(1, Int(timeout.rounded(.up))))
            var bytes = password.withUnsafeBytes { Array($0) }
            defer { bytes.withUnsafeMutableBytes { Secret.wipe($0) } }
            answer = try client.authenticate(
                mechanism: DovecotMechanism(rawValue: mechanism.uppercased()) ?? .plain, service: service, login: Array(user.utf8), password: bytes)
        } catch {
            Console.error("authtest: \(socket): \(error)")
            throw ExitCode(2)
        }
        switch answer {
        case .ok(let user):
            Console.out("OK user=\(user)")
        case .failed(let line), .temporaryFailure(let line):
            Console.out(line.split(separator: "\t").joined(separator: " "))
            throw ExitCode(1)
        }
    }

    private func readPassword() -> Secret? {
        if let given = password ?? positionalPassword { return Secret(given) }
        var bytes = passwordStdin ? PasswordPrompt.readStandardInput() : PasswordPrompt.read(prompt: "Password: ")
        defer { bytes?.withUnsafeMutableBytes { Secret.wipe($0) } }
        return bytes.map { value in value.withUnsafeBytes { Secret(copying: $0) } }
    }
}
