import AuthCore
import NIOCore
import NIOPosix

/// One saslauthd exchange per connection, as libsasl2 does it: connect, write the whole
/// request at once, read the answer, close.
struct SaslauthdClient: Sendable {
    let group: any EventLoopGroup
    let socketPath: String
    let timeout: TimeAmount

    func ask(_ request: ByteBuffer, on eventLoop: (any EventLoop)? = nil) -> EventLoopFuture<String> {
        let loop = eventLoop ?? group.next()
        let promise = loop.makePromise(of: String.self)
        let timer = loop.scheduleTask(in: timeout) { promise.fail(ClientError.timedOut) }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AnswerHandler(promise: promise))
                }
            }
            .connect(unixDomainSocketPath: socketPath)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    promise.futureResult.whenFailure { _ in channel.close(promise: nil) }
                    channel.writeAndFlush(request).whenFailure { promise.fail($0) }
                case .failure(let error):
                    promise.fail(error)
                }
            }
        return promise.futureResult
    }
}
