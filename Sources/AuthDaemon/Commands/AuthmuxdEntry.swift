import ArgumentParser
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// authmuxd's entry point: runs `Authmuxd` with the main thread kept alive.
///
/// An async `@main` would end in libdispatch's `dispatch_main`, which parks the main thread
/// inside `pthread_exit`; glibc's setxid broadcast skips exiting threads, so after `run_as`
/// the leader thread — the one `ps` and /proc/PID/status report — would still hold root.
/// Here it waits on a semaphore instead, a live thread that `setuid` reaches like all others.
@main
enum AuthmuxdEntry {
    static func main() {
        // Before anything reads a password or a sasldb, for every command (see CoreDumpGuard).
        do {
            try CoreDumpGuard.engage()
        } catch {
            Console.error("authmuxd: \(error)")
            exit(1)
        }
        // As dispatch_main does: process signals stay pending for the signal sources
        // (ServiceLifecycle's SIGTERM/SIGHUP handling) rather than being delivered here, where
        // an ignored disposition would drop them. glibc never blocks its own setxid signal.
        var signals = sigset_t()
        sigfillset(&signals)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        let finished = DispatchSemaphore(value: 0)
        Task.detached {
            // Exits the process itself on an error or an explicit exit code.
            await Authmuxd.main()
            finished.signal()
        }
        finished.wait()
    }
}
