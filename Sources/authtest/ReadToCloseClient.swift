import NIOCore
import NIOPosix

/// One pwcheck or authdaemond exchange: connect, write the whole request, read until the
/// server closes, as libsasl2's clients for both do.
struct ReadToCloseClient: Sendable {
    let group: any EventLoopGroup
    let socketPath: String
    let timeout: TimeAmount

    func ask(_ request: ByteBuffer) -> EventLoopFuture<[UInt8]> {
        let loop = group.next()
        let promise = loop.makePromise(of: [UInt8].self)
        let timer = loop.scheduleTask(in: timeout) { promise.fail(ClientError.timedOut) }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(CloseAnswerHandler(promise: promise))
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
