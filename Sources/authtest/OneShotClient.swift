import NIOCore
import NIOPosix

/// One exchange per connection, as libsasl2's clients do it: connect, write the whole request
/// at once, let `makeHandler`'s handler read the answer (a counted saslauthd string, or text
/// up to the server's close for pwcheck and authdaemond), close. The same time limit covers
/// connecting and answering.
struct OneShotClient: Sendable {
    let group: any EventLoopGroup
    let socketPath: String
    let timeout: TimeAmount

    func exchange<Answer: Sendable>(
        _ request: ByteBuffer, on eventLoop: (any EventLoop)? = nil,
        makeHandler: @escaping @Sendable (EventLoopPromise<Answer>) -> any ChannelHandler
    ) -> EventLoopFuture<Answer> {
        let loop = eventLoop ?? group.next()
        let promise = loop.makePromise(of: Answer.self)
        let timer = loop.scheduleTask(in: timeout) { promise.fail(ClientError.timedOut) }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(makeHandler(promise))
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
