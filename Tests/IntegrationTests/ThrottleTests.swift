import Foundation
import SocketTestSupport
import Testing

/// The throttle on the wire: repeated wrong passwords for one user earn growing delays on
/// their answers, and the right password is answered at once all the same.
@Suite("Brute-force throttle (daemon)", .timeLimit(.minutes(2)))
struct ThrottleTests {
    typealias S = StandardSetup

    @Test func repeatedFailuresAreHeldBackAndSuccessIsNot() async throws {
        try await Sandbox.with { sandbox in
            try await SaslDB(path: sandbox.sasldbPath).setPassword(S.password, user: S.user, realm: S.realm)
            let config = """
                listen: [ { protocol: saslauthd, path: \(sandbox.socketPath) } ]
                throttle: { free_failures: 1, initial: 400ms, max: 800ms }
                failure_delay: { floor: 0s }
                cache: { enabled: false }
                backends: { mailusers: { type: sasldb, path: \(sandbox.sasldbPath) } }
                """
            let path = try sandbox.write(config, to: "authmux.yaml")
            try await TestDaemon.with(configPath: path, socketPath: sandbox.socketPath) { daemon in
                func ask(_ password: String) async throws -> (SaslauthdReply, Duration) {
                    let started = ContinuousClock.now
                    let reply = try await RawSaslauthdClient.exchange(socketPath: daemon.socketPath, fields: [S.user, password, S.service, S.realm])
                    return (reply, ContinuousClock.now - started)
                }
                #expect(try await ask("wrong 1").0.isNO)
                let (second, secondTook) = try await ask("wrong 2")
                #expect(second.isNO)
                // The answer cannot come before its timer: a lower bound, not a measurement.
                #expect(secondTook >= .milliseconds(400), "\(secondTook)")
                try await daemon.waitForLog(containing: "delay_ms=400 ")
                try await daemon.waitForLog(containing: "throttle=user")
                let (third, thirdTook) = try await ask("wrong 3")
                #expect(third.isNO && thirdTook >= .milliseconds(800), "\(third) \(thirdTook)")
                let (right, _) = try await ask(S.password)
                #expect(right.isOK)
                try await daemon.waitForLog(containing: "result=OK")
                let okLine = daemon.log.split(separator: "\n").first { $0.contains("result=OK") }
                #expect(okLine.map { !$0.contains("delay_ms") && !$0.contains("throttle") } == true, "\(okLine ?? "")")
            }
        }
    }
}
