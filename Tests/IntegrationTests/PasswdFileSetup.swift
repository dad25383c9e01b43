import SocketTestSupport

/// A daemon whose one route is a passwd-file backend: `backend` is the inside of its
/// `{ type: passwd-file, … }` mapping. No failure delay and no throttle, so the many wrong
/// passwords these tests send answer at once; the default realm is example.com.
enum PasswdFileSetup {
    static func configuration(socketPath: String, backend: String) -> String {
        """
        listen:
          - protocol: saslauthd
            path: \(socketPath)
        realms:
          default: example.com
        failure_delay: { floor: 0s }
        throttle: { enabled: false }
        backends:
          hashed: { type: passwd-file, \(backend) }
        routes:
          - use: [ hashed ]

        """
    }

    /// Writes the configuration into the sandbox and runs `body` with a daemon on it.
    static func run<T>(_ sandbox: Sandbox, backend: String, _ body: (TestDaemon) async throws -> T) async throws -> T {
        let configPath = try sandbox.write(configuration(socketPath: sandbox.socketPath, backend: backend), to: "authmux.yaml")
        return try await TestDaemon.with(configPath: configPath, socketPath: sandbox.socketPath, body)
    }

    /// One check over a raw saslauthd connection (login, password, service, realm).
    static func check(_ daemon: TestDaemon, _ user: String, _ password: String, realm: String = "example.com") async throws -> SaslauthdReply {
        try await check(socketPath: daemon.socketPath, user, password, realm: realm)
    }

    /// The same, from a task that cannot hold the (non-Sendable) `TestDaemon`.
    static func check(socketPath: String, _ user: String, _ password: String, realm: String = "example.com") async throws -> SaslauthdReply {
        TestSecrets.register(password)
        return try await RawSaslauthdClient.exchange(socketPath: socketPath, fields: [user, password, "imap", realm])
    }

    /// `authmuxd ARGUMENTS`, with `stdin` as standard input.
    static func authmuxd(_ arguments: [String], stdin: String? = nil) async throws -> ProcessResult {
        try await ProcessRunner.run(try IntegrationEnvironment.authmuxd(), arguments, stdin: stdin)
    }

    /// `authmuxd user add|passwd … --stdin`: the password as one line of standard input.
    static func user(_ action: String, file: String, _ user: String, password: String, scheme: String? = nil) async throws -> ProcessResult {
        TestSecrets.register(password)
        var arguments = ["user", action, "--file", file, "--stdin"]
        if let scheme { arguments += ["--scheme", scheme] }
        return try await authmuxd(arguments + [user], stdin: password + "\n")
    }
}
