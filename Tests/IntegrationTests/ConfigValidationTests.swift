import Foundation
import Testing

/// A configuration mistake must stop the start with exit status 2 and a message that points at
/// `FILE:LINE:` and names the key, so the administrator can go straight to the line;
/// `check-config` gives the same verdict without starting anything.
@Suite(.timeLimit(.minutes(3)))
struct ConfigValidationTests {
    /// One broken configuration: the line (1-based) that is wrong and text the message must name.
    struct BrokenConfig: Sendable, CustomStringConvertible {
        let name: String
        let lines: [String]
        let badLine: Int
        let mustMention: String
        var description: String { name }
    }

    /// A valid configuration, one setting per line so each mistake has an unambiguous line.
    static func goodLines(socket: String, sasldb: String) -> [String] {
        [
            "listen:",                                   // 1
            "  - protocol: saslauthd",                   // 2
            "    path: \(socket)",                       // 3
            "    mode: \"0660\"",                        // 4
            "realms:",                                   // 5
            "  default: example.com",                    // 6
            "  aliases: { vm: example.com, mail.example.com: example.com }", // 7
            "  split_login: last",                       // 8
            "  lowercase_user: false",                   // 9
            "limits:",                                   // 10
            "  read_timeout: 2s",                        // 11
            "backends:",                                 // 12
            "  mailusers:",                              // 13
            "    type: sasldb",                          // 14
            "    path: \(sasldb)",                       // 15
            "routes:",                                   // 16
            "  - use: [ mailusers ]",                    // 17
        ]
    }

    static func brokenConfigs(socket: String, sasldb: String) -> [BrokenConfig] {
        let good = goodLines(socket: socket, sasldb: sasldb)
        func replacing(_ line: Int, with text: String) -> [String] {
            var lines = good
            lines[line - 1] = text
            return lines
        }
        func inserting(_ text: String, after line: Int) -> [String] {
            var lines = good
            lines.insert(text, at: line)
            return lines
        }
        return [
            BrokenConfig(name: "unknown key", lines: inserting("    pth: \(sasldb)", after: 15),
                         badLine: 16, mustMention: "backends.mailusers.pth"),
            BrokenConfig(name: "route naming an undefined backend",
                         lines: replacing(17, with: "  - use: [ mailusers, nosuch ]"),
                         badLine: 17, mustMention: "nosuch"),
            BrokenConfig(name: "socket mode that is not octal", lines: replacing(4, with: "    mode: \"0999\""),
                         badLine: 4, mustMention: "mode"),
            BrokenConfig(name: "wrong type (a list where a boolean belongs)",
                         lines: replacing(9, with: "  lowercase_user: [ true ]"),
                         badLine: 9, mustMention: "lowercase_user"),
            BrokenConfig(name: "value outside the allowed set", lines: replacing(8, with: "  split_login: sideways"),
                         badLine: 8, mustMention: "split_login"),
            BrokenConfig(name: "duration that is not a duration", lines: replacing(11, with: "  read_timeout: soon"),
                         badLine: 11, mustMention: "read_timeout"),
            BrokenConfig(name: "unknown backend type", lines: replacing(14, with: "    type: sasldbx"),
                         badLine: 14, mustMention: "type"),
            BrokenConfig(name: "unknown listener protocol", lines: replacing(2, with: "  - protocol: pwchek"),
                         badLine: 2, mustMention: "listen[1].protocol"),
            BrokenConfig(name: "service on a saslauthd listener", lines: inserting("    service: imap", after: 4),
                         badLine: 5, mustMention: "listen[1].service"),
            BrokenConfig(name: "authdaemond listener without a path",
                         lines: replacing(2, with: "  - protocol: authdaemond").enumerated().filter { $0.offset != 2 }.map(\.element),
                         badLine: 2, mustMention: "path"),
            BrokenConfig(name: "pam identity outside the allowed set",
                         lines: replacing(14, with: "    type: pam").enumerated().map { $0.offset == 14 ? "    identity: sideways" : $0.element },
                         badLine: 15, mustMention: "backends.mailusers.identity"),
            BrokenConfig(name: "pam service that could leave /etc/pam.d",
                         lines: replacing(14, with: "    type: pam").enumerated().map { $0.offset == 14 ? "    service: ../shadow" : $0.element },
                         badLine: 15, mustMention: "backends.mailusers.service"),
            BrokenConfig(name: "allow naming a user this host does not have",
                         lines: inserting("    allow: { users: [ amx-no-such-user ] }", after: 4),
                         badLine: 5, mustMention: "listen[1].allow.users"),
            BrokenConfig(name: "allow that names nobody", lines: inserting("    allow: { users: [] }", after: 4),
                         badLine: 5, mustMention: "listen[1].allow"),
            BrokenConfig(name: "failure delay cap below its floor",
                         lines: inserting("failure_delay: { floor: 2s, cap: 1s }", after: 11),
                         badLine: 12, mustMention: "failure_delay.cap"),
        ]
    }

    @Test func badConfigurationsStopTheStartWithFileLineAndKey() async throws {
        try await Sandbox.with { sandbox in
            let sasldb = SaslDB(path: sandbox.sasldbPath)
            try await sasldb.setPassword("pw", user: "foo", realm: "example.com")
            let authmuxd = try IntegrationEnvironment.authmuxd()

            for (index, broken) in Self.brokenConfigs(socket: sandbox.socketPath, sasldb: sandbox.sasldbPath).enumerated() {
                let configPath = try sandbox.write(broken.lines.joined(separator: "\n") + "\n", to: "bad\(index).yaml")
                let location = "\(configPath):\(broken.badLine):"

                let start = try await ProcessRunner.run(
                    authmuxd, ["--config", configPath, "--foreground"], timeout: .seconds(20))
                #expect(start.termination == .exited(2), "\(broken): start should exit 2: \(start)")
                #expect(start.stderr.contains(location), "\(broken): stderr should contain \(location): \(start)")
                #expect(start.stderr.contains(broken.mustMention),
                        "\(broken): stderr should name \(broken.mustMention): \(start)")
                #expect(sandbox.exists("mux") == false, "\(broken): a refused start left a socket file")

                let check = try await ProcessRunner.run(
                    authmuxd, ["check-config", "--config", configPath], timeout: .seconds(20))
                #expect(check.termination == .exited(2), "\(broken): check-config should exit 2: \(check)")
                #expect(check.output.contains(location), "\(broken): check-config should report \(location): \(check)")
                #expect(check.output.contains(broken.mustMention),
                        "\(broken): check-config should name \(broken.mustMention): \(check)")
            }
        }
    }

    @Test func checkConfigAcceptsAGoodConfigurationAndPrintsRoutes() async throws {
        try await Sandbox.with { sandbox in
            try await SaslDB(path: sandbox.sasldbPath).setPassword("pw", user: "foo", realm: "example.com")
            let lines = Self.goodLines(socket: sandbox.socketPath, sasldb: sandbox.sasldbPath)
            let configPath = try sandbox.write(lines.joined(separator: "\n") + "\n", to: "authmux.yaml")
            let check = try await ProcessRunner.run(
                try IntegrationEnvironment.authmuxd(), ["check-config", "--config", configPath], timeout: .seconds(20))
            #expect(check.termination == .exited(0), "check-config on a good file: \(check)")
            #expect(check.stdout.contains("mailusers"), "check-config should print the route to mailusers: \(check)")
            #expect(sandbox.exists("mux") == false, "check-config must not create the socket")

            // The standard test configuration is valid too (every other test depends on it).
            let standard = DaemonConfig(sandbox: sandbox)
            let standardPath = try sandbox.write(standard.yaml, to: "standard.yaml")
            let standardCheck = try await ProcessRunner.run(
                try IntegrationEnvironment.authmuxd(), ["check-config", "--config", standardPath], timeout: .seconds(20))
            #expect(standardCheck.termination == .exited(0), "\(standardCheck)\n\(standard.yaml)")
        }
    }

    @Test func missingConfigurationFileIsReported() async throws {
        try await Sandbox.with { sandbox in
            let missing = sandbox.file("nothing-here.yaml")
            let start = try await ProcessRunner.run(
                try IntegrationEnvironment.authmuxd(), ["--config", missing, "--foreground"], timeout: .seconds(20))
            #expect(start.termination != .exited(0), "a missing config file must not start: \(start)")
            #expect(start.output.contains(missing), "the message should say where it looked: \(start)")
        }
    }
}
