import AuthCore

extension CheckConfigCommand {
    /// Prints `run_as` and whether each backend can work as that account. Returns the message
    /// that would stop a start (an unknown account, a backend that cannot run as it), if any,
    /// so check-config exits 2 where the daemon would.
    static func reportRunAs(_ config: AuthmuxConfig) -> String? {
        guard let runAs = config.runAs else {
            Console.out("run_as: (not set: authmuxd keeps the account it is started as)")
            return nil
        }
        let account: RunAsAccount
        do {
            account = try RunAsAccount.resolve(runAs)
        } catch {
            Console.out("run_as: \(runAs.summary)")
            return "invalid configuration: \(error)"
        }
        if account.isRoot {
            Console.out("run_as: \(account.description): privileges are kept")
            return nil
        }
        Console.out("run_as: \(account.description), groups \(account.groups.map(String.init).joined(separator: ",")); sockets are bound as root first")
        let review = RunAsReview(backends: config.backends, account: account)
        for finding in review.findings {
            if let problem = finding.problem {
                Console.out("  \(finding.backend) (\(finding.type)): cannot run as \(account.userName): \(problem)")
            } else {
                Console.out("  \(finding.backend) (\(finding.type)): can run as \(account.userName)")
            }
        }
        if let denial = account.denial(config.file, read: true) {
            Console.out("  warning: SIGHUP reloads will fail: \(denial)")
        }
        return review.refusal.map { "refusing to start with run_as \(account.userName) rather than keep root:\n\($0)" }
    }
}
