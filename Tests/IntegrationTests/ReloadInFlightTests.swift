import Foundation
import Glibc
import SocketTestSupport
import Testing

/// A SIGHUP while a check is in flight: the check finishes on the configuration it started
/// with, whether the new file is taken or refused.
@Suite("Reload with a check in flight", .timeLimit(.minutes(2)))
struct ReloadInFlightTests {
    static func config(socket: String, defaultRealm: String, extra: String = "") -> String {
        """
        listen: [ { protocol: saslauthd, path: \(socket) } ]
        realms: { default: \(defaultRealm) }
        cache: { enabled: false }
        backends: { system: { type: pam, threads: 2, services: [ slow, smtp ] } }
        \(extra)
        """
    }

    @Test func inFlightChecksFinishAcrossValidAndInvalidReloads() async throws {
        try await Sandbox.with { sandbox in
            let stack = try PAMWrapperStack(sandbox: sandbox)
            let passdb = try stack.passdb("passdb", [("slowuser", "slow-password", "slow"), ("quickuser", "quick-password", "smtp")])
            // A check on "slow" takes 3 s: long enough to send SIGHUP while it runs.
            try stack.addMatrixService("slow", passdb: passdb, before: ["\(PAMWrapperStack.module("pam_exec.so")) quiet /bin/sleep 3"])
            try stack.addMatrixService("smtp", passdb: passdb)
            let path = try sandbox.write(Self.config(socket: sandbox.socketPath, defaultRealm: "example.com"), to: "authmux.yaml")
            try await TestDaemon.with(configPath: path, socketPath: sandbox.socketPath, environment: stack.environment) { daemon in
                for (round, file) in [
                    Self.config(socket: sandbox.socketPath, defaultRealm: "example.org"),
                    Self.config(socket: sandbox.socketPath, defaultRealm: "example.net", extra: "bogus_key: 1"),
                ].enumerated() {
                    let inFlight = try RawSaslauthdClient(socketPath: daemon.socketPath, receiveTimeout: .seconds(30))
                    try inFlight.send(RawSaslauthdClient.encode(["slowuser", "slow-password", "slow", ""]))
                    try await daemon.waitForLog(containing: "received login \"slowuser\"")
                    _ = try sandbox.write(file, to: "authmux.yaml")
                    daemon.send(signal: SIGHUP)
                    try await daemon.waitForLog(containing: round == 0 ? "configuration reloaded" : "reload refused")
                    let reply = try await inFlight.readReply()
                    #expect(reply.isOK, "round \(round): the check in flight got \(reply)\n\(daemon.logTail)")
                    // New checks see the configuration in force now.
                    let quick = try await RawSaslauthdClient.exchange(socketPath: daemon.socketPath, fields: ["quickuser", "quick-password", "smtp", ""])
                    #expect(quick.isOK, "round \(round): \(quick)")
                }
                #expect(daemon.log.contains("\(path):"), "the refusal names the file\n\(daemon.logTail)")
                #expect(daemon.log.contains("bogus_key"), "the refusal names the key\n\(daemon.logTail)")
                // The refused file never took effect: bare logins still get the first reload's realm.
                try await daemon.waitForLog(containing: "realm=example.org")
                #expect(!daemon.log.contains("realm=example.net"), "\(daemon.logTail)")
            }
        }
    }
}
