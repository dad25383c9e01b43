import Foundation
import Glibc
import SocketTestSupport
import Testing

/// `limits.max_connections` and `limits.max_queue`, each driven past its bound for real.
@Suite("Connection and queue limits", .timeLimit(.minutes(2)))
struct LimitsTests {
    typealias S = StandardSetup

    /// Three silent connections spend a budget of three: a fourth client is not kept out, the
    /// connection silent the longest is closed to make room for it (issue 14: one local client
    /// must not hold every slot with idle connections), and the log says so.
    @Test func pastMaxConnectionsTheLongestIdleConnectionMakesRoom() async throws {
        try await Sandbox.with { sandbox in
            try await SaslDB(path: sandbox.sasldbPath).setPassword(S.password, user: S.user, realm: S.realm)
            let config = """
                listen: [ { protocol: saslauthd, path: \(sandbox.socketPath) } ]
                limits: { max_connections: 3, read_timeout: 60s }
                backends: { mailusers: { type: sasldb, path: \(sandbox.sasldbPath) } }
                """
            let path = try sandbox.write(config, to: "authmux.yaml")
            try await TestDaemon.with(configPath: path, socketPath: sandbox.socketPath) { daemon in
                let socket = daemon.socketPath
                var idle: [RawSaslauthdClient] = []
                for _ in 0..<3 {
                    idle.append(try RawSaslauthdClient(socketPath: socket, receiveTimeout: .seconds(20)))
                    // Pacing only, so the first is the longest idle; nothing is timed.
                    try await Task.sleep(for: .milliseconds(50))
                }
                let reply = try await RawSaslauthdClient.exchange(socketPath: socket, fields: [S.user, S.password, S.service, S.realm])
                #expect(reply.isOK, "the fourth client was kept out: \(reply)\n\(daemon.logTail)")
                try await daemon.waitForLog(containing: "connection limit reached: closing connections that sent no request to make room")
                let first = idle[0]
                let closed = try await first.readReply()
                #expect(closed == .closed, "the longest idle connection was closed: \(closed)")
                withExtendedLifetime(idle) {}
            }
        }
    }

    /// Three connections whose checks are under way (a PAM stack held until the test releases
    /// it) spend a budget of three and cannot be closed: a fourth client waits in the backlog,
    /// unanswered, and is served as soon as one of them ends.
    @Test func pastMaxConnectionsWithNoIdleOneAcceptingPausesUntilOneEnds() async throws {
        try await Sandbox.with { sandbox in
            let stack = try PAMWrapperStack(sandbox: sandbox)
            let passdb = try stack.passdb("passdb", [("held", "held-pw", "slow"), ("quick", "pw-q", "smtp")])
            let release = sandbox.file("release")
            let hold = try sandbox.write("#!/bin/sh\nwhile [ ! -e \(release) ]; do sleep 0.05; done\n", to: "hold.sh")
            chmod(hold, 0o755)
            try stack.addMatrixService("slow", passdb: passdb, before: ["\(PAMWrapperStack.module("pam_exec.so")) quiet \(hold)"])
            try stack.addMatrixService("smtp", passdb: passdb)
            let config = """
                listen: [ { protocol: saslauthd, path: \(sandbox.socketPath) } ]
                limits: { max_connections: 3 }
                cache: { enabled: false }
                backends: { system: { type: pam, threads: 4, services: [ slow, smtp ] } }
                """
            let path = try sandbox.write(config, to: "authmux.yaml")
            try await TestDaemon.with(configPath: path, socketPath: sandbox.socketPath, environment: stack.environment) { daemon in
                let held = try (0..<3).map { _ in
                    let client = try RawSaslauthdClient(socketPath: daemon.socketPath, receiveTimeout: .seconds(30))
                    try client.send(RawSaslauthdClient.encode(["held", "held-pw", "slow", ""]))
                    return client
                }
                try await daemon.waitForLog(containing: "received login \"held\"", count: 3)
                let waiting = try RawSaslauthdClient(socketPath: daemon.socketPath, receiveTimeout: .seconds(30))
                try waiting.send(RawSaslauthdClient.encode(["quick", "pw-q", "smtp", ""]))
                try await daemon.waitForLog(containing: "connection limit reached: accepting paused")
                #expect(waiting.isOpenAndSilent(), "a connection past the cap was served while every slot was busy")
                try sandbox.write("", to: "release")
                for client in held {
                    let reply = try await client.readReply()
                    #expect(reply.isOK, "\(reply)")
                }
                let reply = try await waiting.readReply()
                #expect(reply.isOK, "\(reply)\n\(daemon.logTail)")
            }
        }
    }

    /// One PAM thread held by a stack that waits until the test releases it, and a queue of
    /// two: the third check is answered "temporarily unavailable" at once, and the backend
    /// serves again once it drains. The hold is a file the test creates, not a sleep, so a
    /// loaded machine cannot let the queue drain before the third check arrives.
    @Test func aFullBackendQueueAnswersUnavailableAtOnce() async throws {
        try await Sandbox.with { sandbox in
            let stack = try PAMWrapperStack(sandbox: sandbox)
            let passdb = try stack.passdb("passdb", [("slow1", "pw-1", "slow"), ("slow2", "pw-2", "slow"), ("quick", "pw-q", "smtp")])
            let release = sandbox.file("release")
            let hold = try sandbox.write("#!/bin/sh\nwhile [ ! -e \(release) ]; do sleep 0.05; done\n", to: "hold.sh")
            chmod(hold, 0o755)
            try stack.addMatrixService("slow", passdb: passdb, before: ["\(PAMWrapperStack.module("pam_exec.so")) quiet \(hold)"])
            try stack.addMatrixService("smtp", passdb: passdb)
            let config = """
                listen: [ { protocol: saslauthd, path: \(sandbox.socketPath) } ]
                limits: { max_queue: 2 }
                cache: { enabled: false }
                backends: { system: { type: pam, threads: 1, services: [ slow, smtp ] } }
                """
            let path = try sandbox.write(config, to: "authmux.yaml")
            try await TestDaemon.with(configPath: path, socketPath: sandbox.socketPath, environment: stack.environment) { daemon in
                let slow = try [("slow1", "pw-1"), ("slow2", "pw-2")].map { user, password in
                    let client = try RawSaslauthdClient(socketPath: daemon.socketPath, receiveTimeout: .seconds(30))
                    try client.send(RawSaslauthdClient.encode([user, password, "slow", ""]))
                    return client
                }
                // With --debug the daemon logs each request's realm-rule steps just before the
                // check enters its backend's queue, in the same event-loop turn.
                try await daemon.waitForLog(containing: "received login \"slow1\"")
                try await daemon.waitForLog(containing: "received login \"slow2\"")
                let refused = try await RawSaslauthdClient.exchange(socketPath: daemon.socketPath, fields: ["quick", "pw-q", "smtp", ""])
                #expect(refused == .answer("NO temporarily unavailable"), "\(refused)\n\(daemon.logTail)")
                try await daemon.waitForLog(containing: "queue full (2 checks waiting or running)")
                try sandbox.write("", to: "release")
                for client in slow {
                    let reply = try await client.readReply()
                    #expect(reply.isOK, "\(reply)")
                }
                let served = try await RawSaslauthdClient.exchange(socketPath: daemon.socketPath, fields: ["quick", "pw-q", "smtp", ""])
                #expect(served.isOK, "\(served)")
            }
        }
    }
}
