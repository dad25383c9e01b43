import Foundation
import SocketTestSupport

/// `StandardSetup` with a Dovecot auth listener beside the saslauthd one, on the same sasldb
/// (`foo@example.com`).
enum DovecotSetup {
    /// - Parameters:
    ///   - openToAll: the sandbox directory and the door's socket open to every user, for an MTA
    ///     whose SMTP server runs as an account of its own (Exim's).
    ///   - listener: the door's socket, mode and group, when the consumer says where it is
    ///     (Postfix's queue directory); by default `dovecot-auth` in the sandbox.
    static func run<T>(
        openToAll: Bool = false,
        listener: DaemonConfig.ExtraListener? = nil,
        configure: (inout DaemonConfig) -> Void = { _ in },
        _ body: (Sandbox, TestDaemon, String) async throws -> T
    ) async throws -> T {
        try await StandardSetup.run(configure: { config in
            configure(&config)
            let directory = (config.socketPath as NSString).deletingLastPathComponent
            config.extraListeners.append(listener ?? .init(protocolName: "dovecot", path: directory + "/dovecot-auth", mode: openToAll ? "0666" : nil))
            if openToAll { chmod(directory, 0o755) }
        }) { sandbox, _, daemon in
            let path = listener?.path ?? sandbox.file("dovecot-auth")
            let deadline = ContinuousClock.now + .seconds(20)
            while !RawSaslauthdClient.canConnect(to: path) {
                guard ContinuousClock.now < deadline else { throw IntegrationError("nothing answers on \(path)\n\(daemon.logTail)") }
                try await Task.sleep(for: .milliseconds(20))
            }
            return try await body(sandbox, daemon, path)
        }
    }
}
