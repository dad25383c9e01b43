#if canImport(Glibc)
import Glibc
#endif

/// One saslauthd exchange over a blocking Unix socket, exactly as libsasl2's client performs it
/// (`lib/checkpw.c`: blocking `connect`, write the request, read the answer, close).
///
/// The load generator uses this instead of SwiftNIO on purpose: a NIO channel per connection
/// cost the client about 29 µs of CPU per check on the 2-core test machine, so the client, not
/// the server under test, set the pace. Blocking calls on one thread per simulated client cost a
/// fraction of that, and reproduce libsasl2's behaviour when a server's listen backlog is full
/// (the connect waits instead of failing).
enum BlockingSaslauthdExchange {
    enum Failure: Error, CustomStringConvertible {
        case system(String, Int32)
        case closedWithoutAnswer

        var description: String {
            switch self {
            case .system(let call, let code): return "\(call): \(String(cString: strerror(code)))"
            case .closedWithoutAnswer: return "the server closed the connection without answering"
            }
        }
    }

    /// Sends `request` and returns whether the answer begins with `OK`.
    static func exchange(socketPath: String, request: [UInt8], timeoutSeconds: Int) throws(Failure) -> Bool {
        let fd: Int32
        do {
            fd = try BlockingUnixSocket.connect(to: socketPath, timeoutSeconds: timeoutSeconds)
        } catch {
            throw .system(error.call, error.code)
        }
        defer { close(fd) }

        var sent = 0
        while sent < request.count {
            let count = request.withUnsafeBytes { write(fd, $0.baseAddress! + sent, $0.count - sent) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw .system("write", errno) }
            sent += count
        }

        // The answer is a two-byte length and at most a few hundred bytes of text; only its
        // first two bytes decide OK or NO, but it is read whole, as a client would.
        var answer = [UInt8](repeating: 0, count: 1024)
        var received = 0
        while true {
            let count = answer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + received, $0.count - received) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw .system("read", errno) }
            if count == 0 { break }
            received += count
            if received >= 2 {
                let length = Int(answer[0]) << 8 | Int(answer[1])
                if received >= 2 + min(length, answer.count - 2) { break }
            }
            if received == answer.count { break }
        }
        guard received >= 4 else { throw .closedWithoutAnswer }
        return answer[2] == UInt8(ascii: "O") && answer[3] == UInt8(ascii: "K")
    }
}
