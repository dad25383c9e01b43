import Foundation
import SocketTestSupport

/// `StandardSetup` with a pwcheck and an authdaemond listener beside the saslauthd one, all
/// three on the one sasldb.
enum FrontDoorSetup {
    static func run<T>(
        pwcheckService: String? = nil,
        configure: (inout DaemonConfig) -> Void = { _ in },
        _ body: (Sandbox, SaslDB, TestDaemon) async throws -> T
    ) async throws -> T {
        try await StandardSetup.run(configure: { config in
            configure(&config)
            let directory = (config.socketPath as NSString).deletingLastPathComponent
            config.extraListeners = [
                .init(protocolName: "pwcheck", path: directory + "/pwcheck", service: pwcheckService),
                .init(protocolName: "authdaemond", path: directory + "/authdaemon"),
            ]
        }) { sandbox, db, daemon in
            // The daemon is ready once its first socket answers; the others are bound right
            // after it, so wait for them too before any test talks to them.
            for path in [sandbox.pwcheckPath, sandbox.authdaemondPath] {
                let deadline = ContinuousClock.now + .seconds(20)
                while !RawSaslauthdClient.canConnect(to: path) {
                    guard ContinuousClock.now < deadline else { throw IntegrationError("nothing answers on \(path)\n\(daemon.logTail)") }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            return try await body(sandbox, db, daemon)
        }
    }
}
