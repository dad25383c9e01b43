import AuthCore
#if canImport(Glibc)
import Glibc
#endif

/// Judges, before root is given up, whether each configured backend can work as the `run_as`
/// account. The daemon refuses to start (and a reload is refused) rather than keep root
/// silently or discover the problem on the first check; `check-config` prints the same verdict.
struct RunAsReview: Sendable {
    struct Finding: Sendable {
        let backend: String
        let type: String
        /// nil when the backend can run as the account.
        let problem: String?
    }

    let account: RunAsAccount
    let findings: [Finding]

    init(backends: [BackendDefinition], account: RunAsAccount) {
        self.account = account
        self.findings = backends.map { definition in
            Finding(backend: definition.name, type: definition.settings.type,
                    problem: Self.problem(definition.settings.privilegeNeed, account: account))
        }
    }

    private static func problem(_ need: PrivilegeNeed, account: RunAsAccount) -> String? {
        if let reason = need.rootReason {
            guard let file = need.rootUnlessReadable, account.denial(file, read: true) == nil else {
                let unless = need.rootUnlessReadable.map { " (and user \(account.userName) cannot read \($0))" } ?? ""
                return "needs root: \(reason)\(unless)"
            }
        }
        for file in need.readsFiles {
            // A file not there yet is the backend's own warning (checks answer "temporarily
            // unavailable" until it appears); the account must still reach where it will be.
            let target = access(file, F_OK) != 0 && errno == ENOENT ? SocketPreparer.parentDirectory(of: file) : file
            let denial = target == file ? account.denial(file, read: true) : account.denial(target, execute: true)
            if let denial {
                return "user \(account.userName) cannot read \(file): \(denial)"
            }
        }
        return nil
    }

    var problems: [Finding] { findings.filter { $0.problem != nil } }

    /// One message naming every backend that cannot run as the account, and why.
    var refusal: String? {
        let lines = problems.map { "backend \"\($0.backend)\" (\($0.type)) cannot run as user \(account.userName): \($0.problem!)" }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
    }

    /// Files every backend reads, for the check made again once the daemon runs as the account.
    static func filesRead(by backends: [BackendDefinition]) -> [String] {
        backends.flatMap(\.settings.privilegeNeed.readsFiles)
    }
}
