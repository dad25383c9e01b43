import AuthWire
#if canImport(Glibc)
import Glibc
#endif

/// The client side of Dovecot's auth protocol over a blocking Unix socket, as Postfix's
/// `xsasl_dovecot_server.c` and Exim's `dovecot.c` speak it: read the server's handshake up to
/// `DONE`, send `VERSION` and `CPID`, then `AUTH` lines, answering `CONT` challenges for LOGIN.
/// One connection can carry any number of checks (Postfix's pattern) or just one (Exim's).
///
/// Blocking, on the caller's thread, for the reason `BlockingSaslauthdExchange` gives: the load
/// client must cost less than the server it measures.
final class BlockingDovecotClient {
    enum Failure: Error, CustomStringConvertible {
        case system(String, Int32)
        case protocolError(String)

        var description: String {
            switch self {
            case .system(let call, let code): return "\(call): \(String(cString: strerror(code)))"
            case .protocolError(let what): return "dovecot protocol: \(what)"
            }
        }
    }

    /// The server's last word on one request.
    enum Answer: Equatable {
        case ok(user: String)
        case failed(line: String)
        case temporaryFailure(line: String)

        var isOK: Bool { if case .ok = self { true } else { false } }
    }

    private let fd: Int32
    private var pending: [UInt8] = []
    private var nextID: UInt32 = 1
    /// The mechanisms the server offered in its handshake.
    private(set) var mechanisms: [String] = []

    /// Connects and completes both handshakes.
    init(socketPath: String, timeoutSeconds: Int) throws(Failure) {
        do {
            fd = try BlockingUnixSocket.connect(to: socketPath, timeoutSeconds: timeoutSeconds)
        } catch {
            throw .system(error.call, error.code)
        }
        do {
            try write(Array("VERSION\t1\t2\nCPID\t\(getpid())\n".utf8))
            var sawVersion = false
            while true {
                let fields = try readLine().split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                switch fields.first {
                case "VERSION":
                    guard fields.count >= 2, fields[1] == "1" else { throw Failure.protocolError("server speaks version \(fields.dropFirst())") }
                    sawVersion = true
                case "MECH":
                    if fields.count >= 2 { mechanisms.append(fields[1]) }
                case "SPID":
                    // Postfix and Exim take a SPID before any MECH for the master socket.
                    guard !mechanisms.isEmpty else { throw Failure.protocolError("SPID before any MECH: not an auth-client socket") }
                case "DONE":
                    guard sawVersion else { throw Failure.protocolError("DONE without VERSION") }
                    return
                default:
                    continue
                }
            }
        } catch let failure as Failure {
            close(fd)
            throw failure
        } catch {
            close(fd)
            throw .protocolError("\(error)")
        }
    }

    deinit {
        close(fd)
    }

    /// Authenticates `login` with `password` by `mechanism` (PLAIN with an initial response,
    /// or LOGIN's two challenges); `clientAddress` becomes `rip=`.
    func authenticate(mechanism: DovecotMechanism, service: String, login: [UInt8], password: [UInt8], clientAddress: String? = nil)
        throws(Failure) -> Answer
    {
        let id = nextID
        nextID &+= 1
        var line = Array("AUTH\t\(id)\t\(mechanism.rawValue)\tservice=".utf8)
        DovecotEscaping.escape(service.utf8, into: &line)
        if let clientAddress {
            line += Array("\trip=".utf8)
            DovecotEscaping.escape(clientAddress.utf8, into: &line)
        }
        var responses: [[UInt8]] = []
        switch mechanism {
        case .plain:
            line += Array("\tresp=".utf8)
            SASLBase64.encode([0] + login + [0] + password, into: &line)
        case .login:
            responses = [login, password]
        }
        line.append(UInt8(ascii: "\n"))
        try write(line)
        while true {
            let text = try readLine()
            let fields = text.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 2, fields[1] == String(id) else { throw .protocolError("an answer for another request: \(text)") }
            switch fields[0] {
            case "OK":
                guard let user = fields.dropFirst(2).first(where: { $0.hasPrefix("user=") }) else { throw .protocolError("OK without user=") }
                return .ok(user: String(user.dropFirst(5)))
            case "FAIL":
                return fields.contains("code=temp_fail") ? .temporaryFailure(line: text) : .failed(line: text)
            case "CONT":
                guard !responses.isEmpty else { throw .protocolError("a challenge PLAIN does not expect: \(text)") }
                var reply = Array("CONT\t\(id)\t".utf8)
                SASLBase64.encode(responses.removeFirst(), into: &reply)
                reply.append(UInt8(ascii: "\n"))
                try write(reply)
            default:
                throw .protocolError("unexpected line \(text)")
            }
        }
    }

    private func write(_ bytes: [UInt8]) throws(Failure) {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + sent, $0.count - sent) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw .system("write", errno) }
            sent += count
        }
    }

    private func readLine() throws(Failure) -> String {
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw .system("read", errno) }
            if count == 0 { throw .protocolError("the server closed the connection") }
            pending += chunk[..<count]
        }
    }
}
