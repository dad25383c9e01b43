import AuthWire
import AuthCore
import CPAM
#if canImport(Glibc)
import Glibc
#endif

/// The application side of one PAM transaction: answers the modules' prompts with the
/// password and records what they asked for, on the one thread that runs the transaction.
///
/// Linux-PAM hands the same `appdata_ptr` to the conversation function and to the
/// `PAM_FAIL_DELAY` callback, so both reach this object through it.
final class PAMConversation {
    let password: Secret
    /// The PAM user, NUL-terminated: the answer to a prompt that echoes (a module asking for a
    /// name), as saslauthd answers it. Answering such a prompt with the password would hand the
    /// password to a module that may display or log what it asked for.
    let user: [UInt8]
    /// The longest delay a module asked for on a failure, in microseconds.
    private(set) var requestedDelayMicros: UInt32 = 0
    /// Texts of PAM_TEXT_INFO and PAM_ERROR_MSG messages, for the debug log. Modules never put
    /// the password in them; prompts (which could echo input) are not kept.
    private(set) var messages: [String] = []
    private(set) var promptsAnswered = 0

    init(password: Secret, user: ByteString) {
        self.password = password
        self.user = user.bytes + [0]
    }

    /// The `pam_conv` to pass to `pam_start`; `self` must outlive the PAM handle.
    func makeConv() -> pam_conv {
        pam_conv(conv: PAMConversation.converse, appdata_ptr: Unmanaged.passUnretained(self).toOpaque())
    }

    /// The C function given as `PAM_FAIL_DELAY`.
    static let delayCallback: @convention(c) (Int32, UInt32, UnsafeMutableRawPointer?) -> Void = { status, micros, appdata in
        guard status != PAM_SUCCESS, let appdata else { return }
        let conversation = Unmanaged<PAMConversation>.fromOpaque(appdata).takeUnretainedValue()
        conversation.requestedDelayMicros = max(conversation.requestedDelayMicros, micros)
    }

    /// Linux-PAM's conversation: `msg` is an array of `count` message pointers; the reply array
    /// and each reply string must come from malloc, because the module frees them (after
    /// overwriting the strings).
    private static let converse: @convention(c) (
        Int32, UnsafeMutablePointer<UnsafePointer<pam_message>?>?, UnsafeMutablePointer<UnsafeMutablePointer<pam_response>?>?,
        UnsafeMutableRawPointer?
    ) -> Int32 = { count, messages, replies, appdata in
        guard count > 0, count <= PAM_MAX_NUM_MSG, let messages, let replies, let appdata else { return PAM_CONV_ERR }
        let conversation = Unmanaged<PAMConversation>.fromOpaque(appdata).takeUnretainedValue()
        guard let answers = calloc(Int(count), MemoryLayout<pam_response>.stride)?.bindMemory(to: pam_response.self, capacity: Int(count)) else {
            return PAM_BUF_ERR
        }
        for index in 0..<Int(count) {
            guard let message = messages[index]?.pointee else {
                release(answers, count: index)
                return PAM_CONV_ERR
            }
            switch message.msg_style {
            case PAM_PROMPT_ECHO_OFF:
                guard let copy = conversation.passwordCString() else {
                    release(answers, count: index)
                    return PAM_BUF_ERR
                }
                answers[index].resp = copy
                conversation.promptsAnswered += 1
            case PAM_PROMPT_ECHO_ON:
                guard let copy = conversation.userCString() else {
                    release(answers, count: index)
                    return PAM_BUF_ERR
                }
                answers[index].resp = copy
                conversation.promptsAnswered += 1
            case PAM_TEXT_INFO, PAM_ERROR_MSG:
                if let text = message.msg { conversation.messages.append(String(cString: text)) }
            default:
                release(answers, count: index)
                return PAM_CONV_ERR
            }
        }
        replies.pointee = answers
        return PAM_SUCCESS
    }

    /// A malloc'd, NUL-terminated copy of the password for one reply.
    private func passwordCString() -> UnsafeMutablePointer<CChar>? {
        password.withUnsafeBytes { bytes in
            guard let raw = malloc(bytes.count + 1) else { return nil }
            if let base = bytes.baseAddress, bytes.count > 0 { raw.copyMemory(from: base, byteCount: bytes.count) }
            raw.storeBytes(of: 0, toByteOffset: bytes.count, as: UInt8.self)
            return raw.assumingMemoryBound(to: CChar.self)
        }
    }

    /// A malloc'd copy of the PAM user for one reply.
    private func userCString() -> UnsafeMutablePointer<CChar>? {
        user.withUnsafeBytes { bytes in
            guard let raw = malloc(bytes.count) else { return nil }
            raw.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            return raw.assumingMemoryBound(to: CChar.self)
        }
    }

    /// Frees the first `count` replies (wiping any password copy) and the array.
    private static func release(_ answers: UnsafeMutablePointer<pam_response>, count: Int) {
        for index in 0..<count {
            if let text = answers[index].resp {
                Secret.wipe(UnsafeMutableRawBufferPointer(start: text, count: strlen(text)))
                free(text)
            }
        }
        free(answers)
    }
}
