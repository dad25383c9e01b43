import SocketTestSupport

/// A daemon whose one route is a passwd-file backend (`OneBackendSetup`): `backend` is the
/// inside of its `{ type: passwd-file, … }` mapping.
enum PasswdFileSetup {
    static func configuration(socketPath: String, backend: String) -> String {
        OneBackendSetup.configuration(socketPath: socketPath, name: "hashed", backend: "{ type: passwd-file, \(backend) }")
    }

    static func run<T>(_ sandbox: Sandbox, backend: String, _ body: (TestDaemon) async throws -> T) async throws -> T {
        try await OneBackendSetup.run(sandbox, name: "hashed", backend: "{ type: passwd-file, \(backend) }", body)
    }

    static func check(_ daemon: TestDaemon, _ user: String, _ password: String, realm: String = "example.com") async throws -> SaslauthdReply {
        try await OneBackendSetup.check(socketPath: daemon.socketPath, user, password, realm: realm)
    }

    /// The same, from a task that cannot hold the (non-Sendable) `TestDaemon`.
    static func check(socketPath: String, _ user: String, _ password: String, realm: String = "example.com") async throws -> SaslauthdReply {
        try await OneBackendSetup.check(socketPath: socketPath, user, password, realm: realm)
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
