import AuthWire
import AuthCore
import CPAM
#if canImport(Glibc)
import Glibc
#endif

/// One complete PAM transaction — `pam_start`, items, `pam_authenticate`, `pam_acct_mgmt`,
/// `pam_end` — run start to end on the calling thread, because a PAM handle and the modules'
/// state behind it must not move between threads.
struct PAMTransaction {
    /// Where the transaction stopped.
    enum Stage: String, Sendable {
        case start = "pam_start"
        case setItem = "pam_set_item"
        case authenticate = "pam_authenticate"
        case account = "pam_acct_mgmt"
        case done
    }

    struct Result: Sendable {
        var stage: Stage
        /// PAM_SUCCESS when `stage` is `.done`.
        var code: Int32
        /// `pam_strerror` for `code`.
        var message: String
        var requestedDelayMicros: UInt32
        var moduleMessages: [String]
    }

    var service: String
    /// Bytes as the realm rules left them: handed to PAM as they are, NUL-terminated (a NUL
    /// inside was refused at the door).
    var user: ByteString
    var remoteHost: ByteString?

    /// Blocks for as long as the stack takes (hashing, network, but never a failure delay:
    /// those are reported in the result instead of slept).
    func run(password: Secret) -> Result {
        let conversation = PAMConversation(password: password, user: user)
        return withExtendedLifetime(conversation) {
            var conv = conversation.makeConv()
            var handle: OpaquePointer?
            let started = (user.bytes + [0]).withUnsafeBufferPointer { name in
                name.withMemoryRebound(to: CChar.self) { pam_start(service, $0.baseAddress, &conv, &handle) }
            }
            guard started == PAM_SUCCESS, let handle else {
                return Result(
                    stage: .start, code: started, message: String(cString: pam_strerror(handle, started)),
                    requestedDelayMicros: 0, moduleMessages: [])
            }
            var stage = Stage.setItem
            var code = pam_set_item(handle, PAM_FAIL_DELAY, unsafeBitCast(PAMConversation.delayCallback, to: UnsafeRawPointer.self))
            if code == PAM_SUCCESS, let remoteHost {
                code = (remoteHost.bytes + [0]).withUnsafeBytes { pam_set_item(handle, PAM_RHOST, $0.baseAddress) }
            }
            if code == PAM_SUCCESS {
                stage = .authenticate
                code = pam_authenticate(handle, 0)
            }
            if code == PAM_SUCCESS {
                // Expired, locked and time-restricted accounts are refused here, as saslauthd
                // refuses them.
                stage = .account
                code = pam_acct_mgmt(handle, 0)
            }
            if code == PAM_SUCCESS { stage = .done }
            let message = String(cString: pam_strerror(handle, code))
            pam_end(handle, code)
            return Result(
                stage: stage, code: code, message: message,
                requestedDelayMicros: conversation.requestedDelayMicros, moduleMessages: conversation.messages)
        }
    }
}
