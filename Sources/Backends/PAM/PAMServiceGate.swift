import AuthCore
import Logging

/// Refuses, before any PAM call, a request for a service this backend does not serve.
///
/// With `service: "%s"` the client picks the PAM stack. saslauthd lets it pick any file in
/// /etc/pam.d, and /etc/pam.d/su (chfn, chsh, runuser…) starts with
/// `auth sufficient pam_rootok.so`: since the daemon is root, a client asking for service `su`
/// is accepted as root with any password. The gate answers such a request `rejected` (the chain
/// stops; a later backend must not get the chance to accept a request aimed at another stack),
/// and the log names the service so an administrator can tell a probe from a consumer missing
/// from `services` (the backend's logger carries the backend's name).
struct PAMServiceGate: Sendable {
    let backend: String
    /// nil with a fixed service: every request then opens the same, checked, stack.
    let services: PAMServiceAllowList?
    let logger: Logger

    init(backend: String, settings: PAMSettings, logger: Logger) {
        self.backend = backend
        self.services = settings.service == .fromRequest ? settings.services : nil
        self.logger = logger
    }

    /// The answer for a request whose service is not served, or nil when PAM may be asked.
    /// `service` is a valid PAM service name (PAMServiceChoice refused the others already), so
    /// it is safe to log.
    func refusal(for service: String) -> BackendAnswer? {
        guard let services, !services.admits(service) else { return nil }
        // Notice, not warning: warnings are written out at once, and a client must not be able
        // to buy a write per request.
        logger.notice("request refused without calling PAM: its service is not in services", metadata: [
            "service": "\(service)", "services": "\(services.names.joined(separator: ","))",
        ])
        return BackendAnswer(verdict: .rejected(reason: "service \"\(service)\" is not in services of pam backend \(backend)"))
    }
}
