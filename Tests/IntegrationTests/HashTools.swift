import SocketTestSupport

/// Password entries made by the real tools administrators use, never by authmux's own code:
/// what the passwd-file backend must read is what these write. Every password handed to a
/// tool is registered with `TestSecrets`, so no daemon log may contain it.
enum HashTools {
    /// `mkpasswd -m METHOD` (package whois): yescrypt, scrypt, sha512crypt, sha256crypt, bcrypt,
    /// bcrypt-a, md5crypt, descrypt.
    static func mkpasswd(_ method: String, _ password: String) async throws -> String {
        try await run("mkpasswd", ["--stdin", "-m", method], stdin: password + "\n", password: password)
    }

    /// `doveadm pw -s SCHEME` (package dovecot-core): the `{SCHEME}…` entry Dovecot writes.
    static func doveadm(_ scheme: String, _ password: String) async throws -> String {
        try await run("doveadm", ["pw", "-s", scheme, "-p", password], password: password)
    }

    /// `doveadm pw -t ENTRY -p PASSWORD`: Dovecot's own verdict on an entry authmux wrote.
    static func doveadmVerifies(_ entry: String, _ password: String) async throws -> ProcessResult {
        TestSecrets.register(password)
        return try await ProcessRunner.run(try IntegrationEnvironment.systemTool("doveadm"), ["pw", "-t", entry, "-p", password])
    }

    /// `slappasswd -h {SSHA}` (package slapd).
    static func slappasswd(_ password: String) async throws -> String {
        try await run("slappasswd", ["-h", "{SSHA}", "-s", password], password: password)
    }

    /// `htpasswd -nbB` (package apache2-utils): the bcrypt part of `user:hash`.
    static func htpasswdBcrypt(_ password: String) async throws -> String {
        let line = try await run("htpasswd", ["-nbB", "someone", password], password: password)
        guard let colon = line.firstIndex(of: ":") else { throw IntegrationError("htpasswd printed no user:hash line: \(line)") }
        return String(line[line.index(after: colon)...])
    }

    /// Salted and plain SHA-2 entries as Python's hashlib computes them (the recipe Dovecot's
    /// documentation gives for SSHA256/SSHA512): `kind` is ssha256, ssha512, sha256hex or sha512.
    static func python(_ kind: String, _ password: String) async throws -> String {
        let script = """
            import base64, hashlib, os, sys
            kind, pw = sys.argv[1], sys.argv[2].encode()
            salt = os.urandom(8)
            if kind == "ssha256": print("{SSHA256}" + base64.b64encode(hashlib.sha256(pw + salt).digest() + salt).decode())
            elif kind == "ssha512": print("{SSHA512.b64}" + base64.b64encode(hashlib.sha512(pw + salt).digest() + salt).decode())
            elif kind == "ssha512hex": print("{SSHA512.hex}" + (hashlib.sha512(pw + salt).digest() + salt).hex())
            elif kind == "sha256hex": print("{SHA256.hex}" + hashlib.sha256(pw).hexdigest())
            elif kind == "sha512": print("{SHA512}" + base64.b64encode(hashlib.sha512(pw).digest()).decode())
            """
        return try await run("python3", ["-c", script, kind, password], password: password)
    }

    private static func run(_ tool: String, _ arguments: [String], stdin: String? = nil, password: String) async throws -> String {
        TestSecrets.register(password)
        let result = try await ProcessRunner.run(try IntegrationEnvironment.systemTool(tool), arguments, stdin: stdin)
        guard result.termination == .exited(0) else { throw IntegrationError("\(tool) failed: \(result)") }
        let line = result.stdout.split(separator: "\n").first.map(String.init) ?? ""
        guard !line.isEmpty else { throw IntegrationError("\(tool) printed nothing: \(result)") }
        return line
    }
}
