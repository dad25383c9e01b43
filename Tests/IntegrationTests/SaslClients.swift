import SocketTestSupport
/// The real command-line clients, each run with a time limit so that a daemon that never
/// answers fails the test instead of hanging it.
enum SaslClients {
    /// Cyrus `testsaslauthd` (sasl2-bin), the reference saslauthd client. Facts checked on
    /// Debian 12: it sends exactly four fields (service defaults to `imap`, realm to empty), prints
    /// `0: OK "Success."` and exits 0 on any `OK…` answer, prints `0: NO "authentication failed"`
    /// and exits 255 on anything else (the server's reason text is not shown), and prints
    /// `connect() : <error>` and exits 255 when it cannot connect.
    static func testsaslauthd(
        user: String,
        password: String,
        realm: String? = nil,
        service: String? = nil,
        socketPath: String,
        timeout: Duration = .seconds(10)
    ) async throws -> ProcessResult {
        TestSecrets.register(password)
        var arguments = ["-u", user, "-p", password]
        if let realm { arguments += ["-r", realm] }
        if let service { arguments += ["-s", service] }
        arguments += ["-f", socketPath]
        return try await ProcessRunner.run(
            try IntegrationEnvironment.systemTool("testsaslauthd"), arguments, timeout: timeout)
    }

    /// Our own client, `authtest`, with whatever arguments the test wants.
    static func authtest(
        _ arguments: [String],
        stdin: String? = nil,
        timeout: Duration = .seconds(10)
    ) async throws -> ProcessResult {
        try await ProcessRunner.run(
            try IntegrationEnvironment.authtest(), arguments, stdin: stdin, timeout: timeout)
    }
}
