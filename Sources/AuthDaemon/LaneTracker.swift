import NIOConcurrencyHelpers
import NIOCore

/// What an `AcceptLane` has started and not yet finished: connections it handed to SwiftNIO
/// (which a server channel's quiescing helper cannot see, having no parent channel) and answers
/// it still owes on connections of its own (a failure held for its delay, a check a backend's
/// threads are working on). A graceful shutdown asks the connections to finish and waits for
/// both.
final class LaneTracker: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        /// Hand-offs whose channel SwiftNIO is still setting up.
        var handOffs = 0
        var heldAnswers = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
        var quiescing = false

        var isIdle: Bool { channels.isEmpty && handOffs == 0 && heldAnswers == 0 }
    }

    private let state = NIOLockedValueBox(State())

    /// Called on the lane thread before a hand-off starts, so a shutdown that begins while the
    /// channel is being set up still waits for it.
    func handOffStarted() {
        state.withLockedValue { $0.handOffs += 1 }
    }

    /// The hand-off's end: with its channel, tracked until it closes (and asked to finish at
    /// once when a shutdown has begun), or nil when the channel could not be made.
    func handOffFinished(_ channel: (any Channel)?) {
        guard let channel else {
            finish { $0.handOffs -= 1 }
            return
        }
        let id = ObjectIdentifier(channel)
        let quiescing = state.withLockedValue { state in
            state.handOffs -= 1
            state.channels[id] = channel
            return state.quiescing
        }
        channel.closeFuture.whenComplete { _ in self.finish { $0.channels[id] = nil } }
        if quiescing { channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent()) }
    }

    func holdAnswer() {
        state.withLockedValue { $0.heldAnswers += 1 }
    }

    func answerSent() {
        finish { $0.heldAnswers -= 1 }
    }

    /// Asks every adopted connection to finish (one that has sent nothing closes now; one whose
    /// request is under way completes it) and returns when they and the held answers are done.
    func drain() async {
        let channels = state.withLockedValue { state -> [any Channel] in
            state.quiescing = true
            return Array(state.channels.values)
        }
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLockedValue { state -> Bool in
                if state.isIdle { return true }
                state.waiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    private func finish(_ change: (inout State) -> Void) {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            change(&state)
            guard state.isIdle else { return [] }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
