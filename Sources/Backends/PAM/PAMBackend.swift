public import AuthWire
public import AuthCore
public import Logging
import NIOCore
import Foundation
import NIOPosix

/// Checks passwords through the host's Linux-PAM stacks.
///
/// Each check is one whole PAM transaction on one thread of this backend's own pool; no PAM
/// call ever runs on an accept thread or an event loop. Modules' failure delays (pam_unix asks for about two
/// seconds) are caught by a `PAM_FAIL_DELAY` callback instead of being slept, and reported with
/// the verdict, so the answer is held on an event loop's timer and the thread goes back
/// to real users at once.
public final class PAMBackend: AuthBackend {
    public let name: String
    public let settings: PAMSettings
    /// Checks running on this backend\'s threads, for metrics.
    private let activity = BackendActivity()
    private var pam: PAMSettings { settings }
    private let pool: NIOThreadPool
    private let logger: Logger
    private let gate: PAMServiceGate

    public init(name: String, settings: PAMSettings, logger: Logger) {
        self.name = name
        self.settings = settings
        self.logger = logger
        self.gate = PAMServiceGate(backend: name, settings: settings, logger: logger)
        self.pool = NIOThreadPool(numberOfThreads: settings.threads)
        pool.start()
    }

    public func evaluate(_ lookup: PAMLookup, password: Secret, then: @escaping @Sendable (BackendAnswer) -> Void) {
        guard let service = lookup.service else {
            return then(BackendAnswer(verdict: .rejected(reason: "service name not usable as a PAM service")))
        }
        if let refusal = gate.refusal(for: service) { return then(refusal) }
        let transaction = PAMTransaction(service: service, user: lookup.user, remoteHost: lookup.remoteHost)
        pool.answer(worker: "PAM worker", activity: activity, then: then) {
            let result = transaction.run(password: password)
            if !result.moduleMessages.isEmpty {
                self.logger.debug("PAM messages", metadata: [
                    "backend": "\(self.name)", "service": "\(service)", "messages": "\(result.moduleMessages.joined(separator: " | "))",
                ])
            }
            return BackendAnswer(
                verdict: PAMVerdictMap.verdict(for: result),
                requestedDelay: .microseconds(Int64(result.requestedDelayMicros)))
        }
    }

    public func problems() async -> [String] {
        var problems: [String] = []
        if geteuid() != 0 {
            problems.append("not running as root: pam_unix can then check only the daemon user's own password; stacks that read /etc/shadow need root")
        }
        if case .fixed(let name) = pam.service {
            let service = PAMServiceChoice.fileName(for: name)
            let directory = Self.serviceDirectory()
            if !FileManager.default.fileExists(atPath: "\(directory)/\(service)") {
                problems.append("\(directory)/\(service) does not exist: PAM will use \(directory)/other for this backend")
            }
        }
        return problems + stackReview().warnings
    }

    /// Stacks that let a wrong password through, or cannot be judged (see PAMStackReview).
    public func refusals() async -> [ConfigError] {
        stackReview().refusals
    }

    /// Read afresh each time: these files change without authmux being told, and a few small
    /// reads at start, reload or check-config cost nothing.
    private func stackReview() -> PAMStackReview {
        PAMStackReview(backend: name, settings: pam, analyzer: PAMStackAnalyzer(locations: .current()))
    }

    /// Where PAM reads service files: /etc/pam.d, or pam_wrapper's folder in tests.
    static func serviceDirectory() -> String {
        PAMConfigLocations.current().serviceDirectories.first ?? PAMConfigLocations.system.includeDirectory
    }

    public func shutdown() async {
        try? await pool.shutdownGracefully()
    }

    public func status() -> BackendStatus {
        BackendStatus(running: activity.count)
    }
}
