import CLDAP
import Dispatch
import NIOConcurrencyHelpers
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Bounds the whole connection set-up — TCP and the ldaps:// TLS handshake — by `timeout`.
///
/// libldap 2.5 bounds the TCP connect (`LDAP_OPT_NETWORK_TIMEOUT`) and every operation
/// (`LDAP_OPT_TIMEOUT`), but not the TLS handshake of an ldaps:// connection: against a server
/// that accepts and never answers, `ldap_connect` spins forever (checked with ldapwhoami
/// `-o nettimeout=1`). libldap's connection callback hands over the socket as soon as TCP is
/// up; if set-up is still running at the deadline, a timer shuts the socket down, which makes
/// the handshake fail at once, and the server counts as failed like any other.
final class LDAPConnectWatch: @unchecked Sendable {
    private struct State {
        var socket: Int32 = -1
        var finished = false
        var fired = false
    }

    // Guarded by the lock: the connecting thread attaches and finishes, the timer fires.
    private let state = NIOLockedValueBox(State())

    /// Starts the timer.
    func arm(_ timeout: TimeAmount) {
        let nanoseconds = max(timeout.nanoseconds, 1_000_000)
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(nanoseconds))) { [self] in fire() }
    }

    /// Whether the deadline passed before set-up finished (the failure is then a timeout).
    var fired: Bool { state.withLockedValue { $0.fired } }

    /// Set-up is over (either way): the timer must no longer touch the socket, which libldap
    /// may close and the system reuse from now on.
    func finish() {
        state.withLockedValue { $0.finished = true }
    }

    fileprivate func attach(_ socket: Int32) {
        state.withLockedValue { state in
            state.socket = socket
            if state.fired && !state.finished { _ = Glibc.shutdown(socket, Int32(SHUT_RDWR)) }
        }
    }

    private func fire() {
        state.withLockedValue { state in
            guard !state.finished else { return }
            state.fired = true
            if state.socket >= 0 { _ = Glibc.shutdown(state.socket, Int32(SHUT_RDWR)) }
        }
    }

    /// The `ldap_conncb` to register with `LDAP_OPT_CONNECT_CB`. libldap keeps the pointer,
    /// so the memory must outlive the handle: `LDAPConnection` frees it after unbinding.
    func makeCallbacks() -> UnsafeMutablePointer<ldap_conncb> {
        let callbacks = UnsafeMutablePointer<ldap_conncb>.allocate(capacity: 1)
        callbacks.initialize(to: ldap_conncb(
            lc_add: LDAPConnectWatch.added, lc_del: LDAPConnectWatch.removed,
            lc_arg: Unmanaged.passUnretained(self).toOpaque()))
        return callbacks
    }

    /// Called by libldap right after the TCP connection is up, before any TLS.
    private static let added: @convention(c) (
        OpaquePointer?, OpaquePointer?, UnsafeMutablePointer<LDAPURLDesc>?, UnsafeMutablePointer<sockaddr>?,
        UnsafeMutablePointer<ldap_conncb>?
    ) -> Int32 = { _, sockbuf, _, _, context in
        guard let sockbuf, let argument = context?.pointee.lc_arg else { return 0 }
        var socket: Int32 = -1
        if ber_sockbuf_ctrl(sockbuf, LBER_SB_OPT_GET_FD, &socket) == 1, socket >= 0 {
            Unmanaged<LDAPConnectWatch>.fromOpaque(argument).takeUnretainedValue().attach(socket)
        }
        return 0
    }

    private static let removed: @convention(c) (OpaquePointer?, OpaquePointer?, UnsafeMutablePointer<ldap_conncb>?) -> Void = { _, _, _ in }
}
