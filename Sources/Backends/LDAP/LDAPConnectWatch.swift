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
/// that accepts and never answers, `ldap_connect` busy-loops on the non-blocking socket forever
/// (checked with ldapwhoami `-o nettimeout=1`: a whole core, no end). libldap's connection
/// callback hands over the socket as soon as TCP is up. For the handshake the socket is made
/// blocking with a receive/send timeout, so waiting costs no CPU; if set-up is still running at
/// the deadline, a timer shuts the socket down, which makes the handshake fail at once, and the
/// server counts as failed like any other. After a successful set-up the socket's flags and
/// timeouts are put back as libldap left them.
///
/// The timer never names libldap's descriptor: libldap may close it inside `ldap_connect` (a
/// failed handshake, before trying a host name's next address) before `finish` is called, and
/// another thread may be given the same number at once, so a `shutdown` by number could cut a
/// client's connection or another check's. The watch keeps a `dup` of the descriptor instead:
/// the duplicate refers to the same socket for as long as the watch holds it, whatever happens
/// to libldap's number, and `shutdown` acts on the socket itself, so shutting the duplicate down
/// ends libldap's connection (or nothing, if libldap has closed it). `finish` closes it.
final class LDAPConnectWatch: @unchecked Sendable {
    private struct State {
        /// libldap's descriptor: only for `restoreSocket`, on the connecting thread right after
        /// a successful set-up, while libldap certainly still holds it.
        var socket: Int32 = -1
        /// The watch's own duplicate of it, the only descriptor the timer touches; -1 when none.
        var duplicate: Int32 = -1
        var finished = false
        var fired = false
        /// The socket's file status flags before the handshake, when they were changed.
        var savedFlags: Int32?
    }

    // Guarded by the lock: the connecting thread attaches and finishes, the timer fires.
    private let state = NIOLockedValueBox(State())

    /// Whether the socket is made blocking for a TLS handshake, and for how long each read or
    /// write may block; set before `ldap_connect`, read by the callback on the same thread.
    private var handshakeTimeout: TimeAmount?

    /// Starts the timer. `tlsHandshake`: the connection is ldaps://, so make the handshake block
    /// instead of spin.
    func arm(_ timeout: TimeAmount, tlsHandshake: Bool) {
        handshakeTimeout = tlsHandshake ? timeout : nil
        let nanoseconds = max(timeout.nanoseconds, 1_000_000)
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(nanoseconds))) { [self] in fire() }
    }

    /// Whether the deadline passed before set-up finished (the failure is then a timeout).
    var fired: Bool { state.withLockedValue { $0.fired } }

    /// Set-up is over (either way): the timer must no longer touch the socket, which libldap
    /// may close and the system reuse from now on.
    func finish() {
        state.withLockedValue { state in
            state.finished = true
            if state.duplicate >= 0 { _ = close(state.duplicate) }
            state.duplicate = -1
        }
    }

    deinit {
        finish()
    }

    /// After a successful set-up: the socket as libldap had it, blocking mode and no timeouts.
    func restoreSocket() {
        let (socket, flags) = state.withLockedValue { ($0.socket, $0.savedFlags) }
        guard socket >= 0, let flags else { return }
        _ = fcntl(socket, F_SETFL, flags)
        var none = timeval(tv_sec: 0, tv_usec: 0)
        _ = setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &none, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &none, socklen_t(MemoryLayout<timeval>.size))
    }

    /// libldap runs a TLS handshake non-blocking — and, without `LDAP_OPT_CONNECT_ASYNC`,
    /// spinning — whenever a network timeout is set. Once TCP is up that timeout has done its
    /// job, so it is lifted (a `tv_sec` of -1; NULL is refused) and the socket's own timeouts
    /// and the timer bound the handshake instead.
    static func blockingHandshake(_ handle: OpaquePointer) {
        var infinite = timeval(tv_sec: -1, tv_usec: 0)
        _ = ldap_set_option(handle, LDAP_OPT_NETWORK_TIMEOUT, &infinite)
    }

    /// Hands over the connection's socket: made blocking with timeouts when armed for a TLS
    /// handshake, and shut down at once if the deadline has already passed.
    func attach(_ socket: Int32) {
        var saved: Int32?
        if let handshakeTimeout {
            let flags = fcntl(socket, F_GETFL)
            if flags >= 0 {
                var wait = LDAPConnection.timeval(handshakeTimeout)
                _ = setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
                _ = setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
                if fcntl(socket, F_SETFL, flags & ~O_NONBLOCK) == 0 { saved = flags }
            }
        }
        // Without a duplicate (no descriptor left) the timer cannot act; the socket's own
        // timeouts above still bound each wait of a TLS handshake.
        let duplicate = fcntl(socket, F_DUPFD_CLOEXEC, 0)
        state.withLockedValue { state in
            // A second connection within one set-up (the next address of a host name).
            if state.duplicate >= 0 { _ = close(state.duplicate) }
            state.duplicate = -1
            state.socket = socket
            state.savedFlags = saved
            guard !state.finished else {
                if duplicate >= 0 { _ = close(duplicate) }
                return
            }
            state.duplicate = duplicate
            if state.fired && duplicate >= 0 { _ = Glibc.shutdown(duplicate, Int32(SHUT_RDWR)) }
        }
    }

    /// The deadline passed: shut the set-up's socket down. Internal so tests can fire it.
    func fire() {
        state.withLockedValue { state in
            guard !state.finished else { return }
            state.fired = true
            if state.duplicate >= 0 { _ = Glibc.shutdown(state.duplicate, Int32(SHUT_RDWR)) }
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
    ) -> Int32 = { handle, sockbuf, _, _, context in
        guard let sockbuf, let argument = context?.pointee.lc_arg else { return 0 }
        let watch = Unmanaged<LDAPConnectWatch>.fromOpaque(argument).takeUnretainedValue()
        if watch.handshakeTimeout != nil, let handle { LDAPConnectWatch.blockingHandshake(handle) }
        var socket: Int32 = -1
        if ber_sockbuf_ctrl(sockbuf, LBER_SB_OPT_GET_FD, &socket) == 1, socket >= 0 {
            watch.attach(socket)
        }
        return 0
    }

    private static let removed: @convention(c) (OpaquePointer?, OpaquePointer?, UnsafeMutablePointer<ldap_conncb>?) -> Void = { _, _, _ in }
}
