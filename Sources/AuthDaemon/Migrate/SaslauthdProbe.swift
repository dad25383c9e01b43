import AuthWire
import NIOCore
import NIOPosix

/// Asks a running saslauthd (or anything on its protocol) one question, as libsasl2 does:
/// connect, write the four fields, read the counted answer, close. For `migrate --check`,
/// which runs a handful of checks, so an async channel per check costs nothing that matters.
struct SaslauthdProbe: LoginProbe {
    enum Failure: Error, CustomStringConvertible {
        case refused(String)
        case noAnswer(String)

        var description: String {
            switch self {
            case .refused(let reason): return reason
            case .noAnswer(let path): return "\(path) gave no answer (closed, or none within the time limit)"
            }
        }
    }

    let socketPath: String
    var timeout: TimeAmount = .seconds(10)

    /// The server's answer text (`OK`, `NO reason`); a socket tells nothing of what decided it.
    func ask(_ login: TestLogin) async throws -> (answer: String, detail: String?) {
        (try await answer(login), nil)
    }

    private func answer(_ login: TestLogin) async throws -> String {
        var request = ByteBuffer()
        do {
            try SaslauthdCodec.encodeRequest(
                login: login.login, password: login.password, service: login.service, realm: login.realm, clientAddress: nil, into: &request)
        } catch {
            request.wipe()
            throw Failure.refused("\(login.label): a field is longer than saslauthd accepts")
        }
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(timeout)
            .connect(unixDomainSocketPath: socketPath) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        defer { request.wipe() }
        // A saslauthd whose workers are all stuck must not hang the comparison: the connection
        // is closed after `timeout`, which ends the read below without an answer.
        let deadline = channel.channel.eventLoop.scheduleTask(in: timeout) { channel.channel.close(promise: nil) }
        defer { deadline.cancel() }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(request)
            var received = ByteBuffer()
            for try await chunk in inbound {
                received.writeImmutableBuffer(chunk)
                if let answer = SaslauthdCodec.decodeAnswer(&received) { return answer }
            }
            throw Failure.noAnswer(socketPath)
        }
    }
}
