import Dispatch

extension DispatchGroup {
    /// Returns once every thread that entered the group has left it, without blocking a thread
    /// of Swift's cooperative pool (the accept threads, at shutdown).
    func finished() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            notify(queue: .global()) { done.resume() }
        }
    }
}
