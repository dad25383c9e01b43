import SocketTestSupport
/// A Cyrus sasldb file managed with the distribution's own `saslpasswd2` and
/// `sasldblistusers2`, so the file the daemon reads is exactly what an administrator makes.
///
/// Facts checked on Debian 12 (sasl2-bin 2.1.28): `-p` reads the password from standard input
/// and drops one trailing newline; without `-u` the entry's realm is the host's name as libsasl2
/// sees it (`vm` on the reference machine, whatever `sasldblistusers2` shows elsewhere);
/// running `saslpasswd2 -c` again on an existing user replaces the password; `-d` deletes.
struct SaslDB: Sendable {
    let path: String

    /// Creates the user or replaces its password. `realm: nil` leaves the realm to
    /// saslpasswd2, which uses the host's name.
    func setPassword(_ password: String, user: String, realm: String?) async throws {
        TestSecrets.register(password)
        var arguments = ["-f", path, "-p", "-c"]
        if let realm { arguments += ["-u", realm] }
        arguments.append(user)
        let result = try await ProcessRunner.run(
            try IntegrationEnvironment.systemTool("saslpasswd2"), arguments, stdin: password)
        guard result.termination == .exited(0) else {
            throw IntegrationError("saslpasswd2 failed: \(result)")
        }
    }

    func delete(user: String, realm: String?) async throws {
        var arguments = ["-f", path, "-d"]
        if let realm { arguments += ["-u", realm] }
        arguments.append(user)
        let result = try await ProcessRunner.run(
            try IntegrationEnvironment.systemTool("saslpasswd2"), arguments)
        guard result.termination == .exited(0) else {
            throw IntegrationError("saslpasswd2 -d failed: \(result)")
        }
    }

    /// The entries as `sasldblistusers2` prints them: `user@realm` for every `userPassword`.
    func entries() async throws -> [String] {
        let result = try await ProcessRunner.run(
            try IntegrationEnvironment.systemTool("sasldblistusers2"), ["-f", path])
        guard result.termination == .exited(0) else {
            throw IntegrationError("sasldblistusers2 failed: \(result)")
        }
        return result.stdout.split(separator: "\n").compactMap { line in
            guard let colon = line.range(of: ": ") else { return nil }
            return String(line[..<colon.lowerBound])
        }
    }

    /// The realm saslpasswd2 gave `user` when created without `-u` (the host's name), read
    /// back from the file rather than guessed from `hostname`.
    func realm(ofUser user: String) async throws -> String {
        for entry in try await entries() {
            guard let at = entry.lastIndex(of: "@") else { continue }
            if entry[..<at] == user {
                return String(entry[entry.index(after: at)...])
            }
        }
        throw IntegrationError("sasldblistusers2 -f \(path) does not list \(user)")
    }
}
