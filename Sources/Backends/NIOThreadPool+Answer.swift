package import AuthCore
package import NIOPosix

extension NIOThreadPool {
    /// Runs `work` on one of the pool's threads and hands its answer to `then` from that thread,
    /// not through an event loop: a `DoorSession` on a bare socket writes the answer to the
    /// client from there, so a check that needs a backend's thread costs no event-loop wake-up. A pool that is shutting
    /// down answers "unavailable" (`worker` names it in the reason), as `runIfActive` fails.
    /// `activity` counts the work while it runs (metrics' in-flight checks), not while it waits.
    package func answer(
        worker: String, activity: BackendActivity, then: @escaping @Sendable (BackendAnswer) -> Void,
        _ work: @escaping @Sendable () -> BackendAnswer
    ) {
        submit { state in
            guard case .active = state else {
                return then(BackendAnswer(verdict: .unavailable(reason: "\(worker): thread pool stopped")))
            }
            activity.started()
            let answer = work()
            activity.finished()
            then(answer)
        }
    }
}
