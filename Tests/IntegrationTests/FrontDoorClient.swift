import SocketTestSupport
/// Raw pwcheck and authdaemond exchanges: write the request in one go, read until the daemon
/// closes, exactly as libsasl2's clients for both protocols do.
enum FrontDoorClient {
    static func blockingExchange(socketPath: String, bytes: [UInt8], shutdownWrite: Bool = false) throws -> String {
        let client = try RawSaslauthdClient(socketPath: socketPath)
        try client.send(bytes)
        if shutdownWrite { try client.shutdownWrite() }
        return String(decoding: try client.blockingReadToEnd(), as: UTF8.self)
    }

    /// The same from an async test, on a thread of its own (see `RawSaslauthdClient.exchange`).
    static func exchange(socketPath: String, bytes: [UInt8], shutdownWrite: Bool = false) async throws -> String {
        try await OwnThread.run { try blockingExchange(socketPath: socketPath, bytes: bytes, shutdownWrite: shutdownWrite) }
    }

    /// `login NUL password NUL`; the answer text as sent.
    static func pwcheck(socketPath: String, login: String, password: String) async throws -> String {
        try await exchange(socketPath: socketPath, bytes: Array(login.utf8) + [0] + Array(password.utf8) + [0])
    }

    /// The bytes libsasl2 sends: `AUTH <n>\n<service>\nlogin\n<user>\n<password>\n` and an
    /// empty line outside the count.
    static func authdaemondRequest(service: String, login: String, password: String) -> [UInt8] {
        let payload = "\(service)\nlogin\n\(login)\n\(password)\n"
        return Array("AUTH \(payload.utf8.count)\n\(payload)\n".utf8)
    }

    static func authdaemond(socketPath: String, service: String, login: String, password: String) async throws -> String {
        try await exchange(socketPath: socketPath, bytes: authdaemondRequest(service: service, login: login, password: password))
    }
}
