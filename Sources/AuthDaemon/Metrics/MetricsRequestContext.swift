import Hummingbird
import NIOCore

/// Hummingbird's request context plus the connection's channel, from which the metrics
/// endpoint reads the peer's credentials (SO_PEERCRED) on a Unix socket with an `allow` list.
struct MetricsRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        channel = source.channel
    }
}
