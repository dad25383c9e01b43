import Dispatch
import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#endif

/// Set once SIGINT or SIGTERM arrives. `authtest bench` then stops sending, lets the requests
/// in flight finish and still prints its report, so a load that runs "until stopped" (the
/// sprayers of bench/pam.sh) reports what it did.
// @unchecked: `sources` is written once in init and only kept so the handlers stay installed.
final class InterruptFlag: @unchecked Sendable {
    private let raised = NIOLockedValueBox(false)
    private let sources: [any DispatchSourceSignal]

    init() {
        var sources: [any DispatchSourceSignal] = []
        let raised = self.raised
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { raised.withLockedValue { $0 = true } }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    var isRaised: Bool { raised.withLockedValue { $0 } }
}
