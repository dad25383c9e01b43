import ArgumentParser
import AuthCore
import AuthWire
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// `authmuxd migrate`: saslauthd's set-up on this host (or the files and command line given)
/// as an equivalent authmux.yaml on standard output; with `--check`, the answers of the
/// running saslauthd and of authmux compared login by login.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Translate a saslauthd set-up into authmux.yaml, or compare a running saslauthd's answers with authmux's.",
        discussion: """
            Without a source option, reads /etc/default/saslauthd and /etc/default/saslauthd-* \
            (Debian, one instance each), else /etc/sysconfig/saslauthd (RedHat), plus \
            /etc/postfix/sasl/smtpd.conf when it exists. A saslauthd command line goes after \
            `--`: authmuxd migrate -- -a ldap -O /etc/saslauthd.conf -c -m /run/saslauthd. \
            The LDAP settings come from saslauthd.conf (-O, or /etc/saslauthd.conf). \
            Comments in the output say where each setting came from and what has no equivalent \
            (also listed on standard error). \
            With --check, each line of --logins FILE (`user realm password service`, `-` for no \
            realm) is asked of saslauthd's socket and of authmux: its configuration (--config, or \
            the translation) in this process, or a running authmuxd (--authmux-socket); \
            passwords are never printed; the exit status is 1 when an answer differs.
            """
    )

    @Option(name: .customLong("debian-default"), help: ArgumentHelp("A Debian /etc/default/saslauthd* file (repeatable).", valueName: "FILE"))
    var debianDefaults: [String] = []

    @Option(name: .long, help: ArgumentHelp("A RedHat-family /etc/sysconfig/saslauthd file.", valueName: "FILE"))
    var sysconfig: [String] = []

    @Option(name: .customLong("saslauthd-conf"), help: ArgumentHelp("Read LDAP settings from this file instead of the one saslauthd would (-O or /etc/saslauthd.conf).", valueName: "FILE"))
    var saslauthdConf: String?

    @Option(name: .long, help: ArgumentHelp("A consumer's SASL file, e.g. /etc/postfix/sasl/smtpd.conf (repeatable).", valueName: "FILE"))
    var consumer: [String] = []

    @Option(name: .long, help: ArgumentHelp("The directory consumers' paths are relative to (Postfix's chroot is inferred).", valueName: "DIR"))
    var chroot: String?

    @Flag(name: .long, help: "Compare a running saslauthd's answers with authmux's for --logins.")
    var check = false

    @Option(name: .long, help: ArgumentHelp("Test logins for --check: `user realm password service` per line.", valueName: "FILE"))
    var logins: String?

    @Option(name: .customLong("saslauthd-socket"), help: ArgumentHelp("The running saslauthd's socket for --check (default: the translated one).", valueName: "PATH"))
    var saslauthdSocket: String?

    @Option(name: .long, help: ArgumentHelp("For --check: compare with this authmux configuration instead of the translation.", valueName: "FILE"))
    var config: String?

    @Option(name: .customLong("authmux-socket"), help: ArgumentHelp("For --check: ask a running authmuxd on this socket instead of the configuration, in this process.", valueName: "PATH"))
    var authmuxSocket: String?

    @Argument(parsing: .postTerminator, help: ArgumentHelp("A saslauthd command line, after --.", valueName: "saslauthd-option"))
    var saslauthdArguments: [String] = []

    func validate() throws {
        if check && logins == nil { throw ValidationError("--check needs --logins FILE") }
        if !check && (logins != nil || saslauthdSocket != nil || config != nil || authmuxSocket != nil) {
            throw ValidationError("--logins, --saslauthd-socket, --config and --authmux-socket go with --check")
        }
        if config != nil && authmuxSocket != nil {
            throw ValidationError("--config or --authmux-socket: a running authmuxd has its own configuration")
        }
    }

    func run() async throws {
        let sources = MigrationSources(debian: debianDefaults, sysconfig: sysconfig, arguments: saslauthdArguments, consumers: consumer)
        if !sources.unreadable.isEmpty {
            Console.error("authmuxd migrate: cannot read \(sources.unreadable.joined(separator: ", "))")
            throw ExitCode(2)
        }
        var input = SaslauthdTranslation.Input(instances: sources.instances)
        input.saslauthdConfs = sources.saslauthdConfs(override: saslauthdConf)
        input.consumers = sources.consumers
        input.chroot = chroot
        input.saslGroupExists = getgrnam("sasl") != nil
        let translation = SaslauthdTranslation(input)
        if check {
            try await compare(translation)
            return
        }
        DescriptorWriter.writeAll(Array(translation.yaml.utf8), to: 1)
        if !translation.gaps.isEmpty {
            Console.error("authmuxd migrate: \(translation.gaps.count) setting(s) without an equivalent (NO EQUIVALENT in the output):")
            for gap in translation.gaps { Console.error("  - \(gap)") }
        }
    }

    // MARK: --check

    private func compare(_ translation: SaslauthdTranslation) async throws {
        guard let socket = saslauthdSocket ?? translation.listenerPaths.first else {
            Console.error("authmuxd migrate: no saslauthd socket; pass --saslauthd-socket PATH")
            throw ExitCode(2)
        }
        let tests = try readLogins()
        let authmux: any LoginProbe
        let authmuxName: String
        var engine: AuthEngine?
        if let authmuxSocket {
            authmux = SaslauthdProbe(socketPath: authmuxSocket)
            authmuxName = "authmuxd on \(authmuxSocket)"
        } else {
            let built = try await makeEngine(translation)
            engine = built.engine
            authmux = EngineProbe(engine: built.engine)
            authmuxName = "authmux (\(built.file), in this process)"
        }
        let saslauthd = SaslauthdProbe(socketPath: socket)
        Console.out("comparing saslauthd on \(socket) with \(authmuxName), \(tests.count) login(s); passwords are not shown")
        var differing = 0
        var failed = false
        for test in tests {
            do {
                let theirs = try await saslauthd.ask(test).answer
                let ours = try await authmux.ask(test)
                let agree = SaslauthdCodec.isSuccess(theirs) == SaslauthdCodec.isSuccess(ours.answer)
                if !agree { differing += 1 }
                Console.out("\(agree ? "agree " : "DIFFER") \(test.label): saslauthd \(theirs), authmux \(ours.answer)\(ours.detail.map { " (\($0))" } ?? "")")
            } catch {
                failed = true
                Console.error("authmuxd migrate: \(test.label): \(error)")
                break
            }
        }
        await engine?.shutdown()
        if failed { throw ExitCode(2) }
        Console.out(differing == 0 ? "all \(tests.count) answers agree" : "\(differing) of \(tests.count) answers differ")
        if differing > 0 { throw ExitCode(1) }
    }

    /// The engine of --config or of the translation, refused as the daemon would refuse it.
    private func makeEngine(_ translation: SaslauthdTranslation) async throws -> (engine: AuthEngine, file: String) {
        let config: AuthmuxConfig
        do {
            if let path = self.config {
                config = try ConfigLoader.load(path: path, catalog: Composition.catalog)
            } else {
                config = try ConfigLoader.parse(yaml: translation.yaml, file: "the translation", catalog: Composition.catalog)
            }
        } catch {
            Console.error("authmuxd migrate: invalid configuration: \(error)")
            throw ExitCode(2)
        }
        var logger = Logger(label: "authmuxd")
        logger.logLevel = .critical
        let engine = try AuthEngine(config: config, logger: logger)
        let refusals = await engine.refusals()
        guard refusals.isEmpty else {
            for refusal in refusals { Console.error("authmuxd migrate: invalid configuration: \(refusal)") }
            await engine.shutdown()
            throw ExitCode(2)
        }
        return (engine, config.file)
    }

    /// The logins file, read into a buffer that is wiped once the passwords are in `Secret`s.
    private func readLogins() throws -> [TestLogin] {
        guard let path = logins, let handle = FileHandle(forReadingAtPath: path) else {
            Console.error("authmuxd migrate: cannot read \(logins ?? "")")
            throw ExitCode(2)
        }
        defer { try? handle.close() }
        var data = (try? handle.readToEnd()) ?? Data()
        defer { data.resetBytes(in: 0..<data.count) }
        do {
            return try data.withUnsafeBytes { bytes throws(TestLoginFile.Problem) in try TestLoginFile.parse(bytes) }
        } catch {
            Console.error("authmuxd migrate: \(path) \(error)")
            throw ExitCode(2)
        }
    }
}
