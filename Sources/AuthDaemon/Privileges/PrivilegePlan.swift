import ArgumentParser
import AuthCore
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Decides at start, before anything is bound, whether and how `run_as` will be honoured, and
/// stops the start when it cannot be: an unknown account (exit 2, located), a backend that
/// cannot work as the account (exit 2, naming the backend and why), or an account the process
/// can neither switch to nor already is (exit 1).
enum PrivilegePlan {
    /// The drop to perform after binding; nil when `run_as` is not set or names root.
    static func make(config: AuthmuxConfig, configPath: String, logger: Logger) throws -> PrivilegeDrop? {
        guard let runAs = config.runAs else { return nil }
        let account: RunAsAccount
        do {
            account = try RunAsAccount.resolve(runAs)
        } catch {
            Console.error("authmuxd: invalid configuration: \(error)")
            throw ExitCode(2)
        }
        if account.isRoot {
            logger.notice("run_as names root: privileges are kept")
            return nil
        }
        if let refusal = RunAsReview(backends: config.backends, account: account).refusal {
            Console.error("authmuxd: refusing to start with run_as \(account.userName) rather than keep root:\n\(refusal)")
            throw ExitCode(2)
        }
        let alreadyThere = getuid() == account.uid && geteuid() == account.uid
        guard geteuid() == 0 || alreadyThere else {
            Console.error("authmuxd: run_as names user \(account.userName) (uid \(account.uid)), but authmuxd runs as uid \(geteuid()) without root: start it as root (it switches once its sockets are bound) or as \(account.userName)")
            throw ExitCode(1)
        }
        return PrivilegeDrop(account: account, filesRead: RunAsReview.filesRead(by: config.backends), configPath: configPath)
    }
}
