import Foundation
import Glibc
import SocketTestSupport
import Testing

/// Whatever way a connection ends, the daemon keeps nothing of it: after a storm of malformed,
/// abandoned and half-finished connections its open descriptors come back to where they were.
@Suite("Resources after abuse", .timeLimit(.minutes(2)))
struct ResourceTests {
    typealias S = StandardSetup

    static func openDescriptors(of pid: pid_t) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    @Test func descriptorsReturnToBaselineAfterAStorm() async throws {
        try await S.run { _, _, daemon in
            try await S.expectStillServes(daemon)
            try await daemon.waitForLog(containing: "result=OK")
            let baseline = Self.openDescriptors(of: daemon.pid)
            #expect(baseline > 0)

            let socket = daemon.socketPath
            let valid = RawSaslauthdClient.encode([S.user, S.password, S.service, S.realm])
            for round in 0..<60 {
                // Connect and leave at once.
                try RawSaslauthdClient(socketPath: socket).close()
                // Garbage, then leave without reading the answer.
                let garbage = try RawSaslauthdClient(socketPath: socket)
                try garbage.send([0xFF, 0xFF] + Array(repeating: UInt8(round & 0xFF), count: 64))
                garbage.close()
                // Half a request, then leave.
                let half = try RawSaslauthdClient(socketPath: socket)
                try half.send(Array(valid.prefix(valid.count / 2)))
                half.close()
                // A whole request, then leave before the answer.
                let hasty = try RawSaslauthdClient(socketPath: socket)
                try hasty.send(valid)
                hasty.close()
                // Half a request and a half-close: answered, then closed by us.
                let shut = try RawSaslauthdClient(socketPath: socket)
                try shut.send(Array(valid.prefix(5)))
                try shut.shutdownWrite()
                _ = try? await shut.readReply()
                shut.close()
            }
            // Connections still open wait at most read_timeout (2 s here) to be closed.
            let deadline = ContinuousClock.now + .seconds(20)
            var now = Self.openDescriptors(of: daemon.pid)
            while now != baseline && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                now = Self.openDescriptors(of: daemon.pid)
            }
            #expect(now == baseline, "descriptors: \(baseline) before the storm, \(now) after it settled")
            try await S.expectStillServes(daemon)
        }
    }
}
