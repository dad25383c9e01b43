import SocketTestSupport

/// A daemon with one saslauthd listener and one route to one backend, for the tests of a
/// backend's own behaviour: no failure delay and no throttle, so the many wrong passwords they
/// send answer at once; the default realm is example.com.
enum OneBackendSetup {
    /// `backend` is the backend's whole entry under `backends:` (`name: { type: …, … }`), and
    /// the route uses `name`.
    static func configuration(socketPath: String, name: String, backend: String) -> String {
        """
        listen:
          - protocol: saslauthd
            path: \(socketPath)
        realms:
          default: example.com
        failure_delay: { floor: 0s }
        throttle: { enabled: false }
        backends:
          \(name): \(backend)
        routes:
          - use: [ \(name) ]

        """
    }

    /// Writes the configuration into the sandbox and runs `body` with a daemon on it.
    static func run<T>(_ sandbox: Sandbox, name: String, backend: String, _ body: (TestDaemon) async throws -> T) async throws -> T {
        let configPath = try sandbox.write(configuration(socketPath: sandbox.socketPath, name: name, backend: backend), to: "authmux.yaml")
        return try await TestDaemon.with(configPath: configPath, socketPath: sandbox.socketPath, body)
    }

    /// One check over a raw saslauthd connection (login, password, service, realm); the
    /// password is registered, so no daemon log may hold it.
    static func check(socketPath: String, _ user: String, _ password: String, realm: String = "example.com") async throws -> SaslauthdReply {
        TestSecrets.register(password)
        return try await RawSaslauthdClient.exchange(socketPath: socketPath, fields: [user, password, "imap", realm])
    }
}
