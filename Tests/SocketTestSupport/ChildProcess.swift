import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Starts the tests' child processes (daemons, saslpasswd2, db5.3_load, mkpasswd…) one at a
/// time, each with an empty signal mask.
///
/// Every test target runs in one process, and the descriptors Foundation's `Process` makes for
/// a child are inheritable until it has started that child: a child spawned meanwhile by
/// another test inherits them. Among them is the socket through which Foundation learns that
/// its child exited. Once a daemon started by one test kept a copy of the socket of another
/// test's saslpasswd2: saslpasswd2's exit went unseen, its `waitUntilExit` never returned, and
/// the whole run hung. Start-ups that never overlap leave nothing of one child in another.
public enum ChildProcess {
    private static let starting = Mutex(())

    /// Runs `setUp` while no other child is being started. `setUp` makes the pipes it gives the
    /// child, calls `run()`, and closes the ends of them the parent writes to once written
    /// (so no later child can hold a pipe open either).
    ///
    /// The signal mask: Foundation's `Process` spawns from the calling thread without resetting
    /// it, and the threads Swift concurrency runs tests on block nearly every signal, so a
    /// daemon started naively would inherit SIGTERM and SIGHUP blocked and never see them (as
    /// if a service manager's stop request were lost). The spawn is synchronous on this thread,
    /// so unblocking here for its duration gives the child the clean mask a service manager
    /// gives it; the previous mask is restored at once.
    public static func start(_ setUp: () throws -> Void) throws {
        try starting.withLock { _ in
            var none = sigset_t()
            sigemptyset(&none)
            var previous = sigset_t()
            pthread_sigmask(SIG_SETMASK, &none, &previous)
            defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
            try setUp()
        }
    }
}
