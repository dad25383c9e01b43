import AuthWire
import AuthCore
import CLDAP
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// One libldap handle, connected to one server, with every option set on the handle itself.
///
/// Options are per handle (TLS ones followed by `LDAP_OPT_X_TLS_NEWCTX`) rather than global,
/// because two ldap backends in one daemon may trust different CAs. A connection is used by one
/// thread at a time: the pool hands it to one check and takes it back (hence the unchecked
/// `Sendable`). Every call here blocks and runs only on the backend's own threads.
final class LDAPConnection: @unchecked Sendable {
    private var handle: OpaquePointer?
    /// The set-up deadline's watch and the callback record libldap points at; both must live
    /// as long as the handle.
    private let watch = LDAPConnectWatch()
    private var callbacks: UnsafeMutablePointer<ldap_conncb>?
    let server: String
    let serverIndex: Int
    let opened: NIODeadline

    private init(handle: OpaquePointer, server: String, serverIndex: Int) {
        self.handle = handle
        self.server = server
        self.serverIndex = serverIndex
        self.opened = .now()
    }

    deinit { close() }

    /// Creates the handle, sets the version, timeouts and TLS options, and connects (TCP, then
    /// TLS for ldaps:// or StartTLS), so that an unreachable server fails here, within `timeout`.
    static func open(server: String, serverIndex: Int, settings: LDAPSettings) -> Result<LDAPConnection, LDAPFailure> {
        var raw: OpaquePointer?
        let initialized = ldap_initialize(&raw, server)
        guard initialized == LDAP_SUCCESS, let raw else {
            return .failure(LDAPFailure(code: initialized, message: "ldap_initialize: \(LDAPFailure.text(of: initialized))", server: server))
        }
        let connection = LDAPConnection(handle: raw, server: server, serverIndex: serverIndex)
        if let failure = connection.configure(settings) { return .failure(failure) }
        // GnuTLS leaves libldap no text for a refused certificate, so the reason says where
        // to look when TLS was involved.
        let tlsHint = "TCP connection or TLS handshake failed; a server certificate that tls_ca_file does not trust fails here"
        let isTLS = server.lowercased().hasPrefix("ldaps://")
        connection.watch.arm(settings.timeout, tlsHandshake: isTLS)
        let connected = ldap_connect(raw)
        connection.watch.finish()
        if connected == LDAP_SUCCESS { connection.watch.restoreSocket() }
        if connected != LDAP_SUCCESS {
            if connection.watch.fired {
                return .failure(LDAPFailure(
                    code: LDAP_TIMEOUT, message: "connect: Timed out (no TCP or TLS set-up within \(ConfigNode.format(settings.timeout)))", server: server))
            }
            return .failure(connection.failure(connected, "connect", hint: isTLS ? tlsHint : nil))
        }
        if settings.startTLS {
            // The StartTLS request is bounded by LDAP_OPT_TIMEOUT, the handshake after it is
            // not (the same spin as ldaps://): a second watch bounds both.
            let handshake = LDAPConnectWatch()
            handshake.arm(settings.searchTimeout + settings.timeout, tlsHandshake: true)
            var socket: Int32 = -1
            if ldap_get_option(raw, LDAP_OPT_DESC, &socket) == LDAP_OPT_SUCCESS, socket >= 0 {
                LDAPConnectWatch.blockingHandshake(raw)
                handshake.attach(socket)
            }
            let started = ldap_start_tls_s(raw, nil, nil)
            handshake.finish()
            if started == LDAP_SUCCESS { handshake.restoreSocket() }
            if started != LDAP_SUCCESS && handshake.fired {
                return .failure(LDAPFailure(code: LDAP_TIMEOUT, message: "StartTLS: Timed out (no TLS set-up)", server: server))
            }
            if started != LDAP_SUCCESS {
                return .failure(connection.failure(started, "StartTLS", hint: started == LDAP_TIMEOUT ? nil : tlsHint))
            }
        }
        // Only once set-up is over: nothing is left unread by then, and the TLS layer, when
        // there is one, sits above the read-ahead buffer and reads through it.
        _ = authmux_ldap_add_readahead(raw)
        return .success(connection)
    }

    private func configure(_ settings: LDAPSettings) -> LDAPFailure? {
        guard let handle else { return LDAPFailure(code: -1, message: "closed", server: server) }
        var version: Int32 = 3
        var connectTimeout = Self.timeval(settings.timeout)
        var operationTimeout = Self.timeval(settings.searchTimeout)
        var results: [(String, Int32)] = [
            ("LDAP_OPT_PROTOCOL_VERSION", ldap_set_option(handle, LDAP_OPT_PROTOCOL_VERSION, &version)),
            ("LDAP_OPT_NETWORK_TIMEOUT", ldap_set_option(handle, LDAP_OPT_NETWORK_TIMEOUT, &connectTimeout)),
            // The default for every synchronous call (binds, StartTLS, compares).
            ("LDAP_OPT_TIMEOUT", ldap_set_option(handle, LDAP_OPT_TIMEOUT, &operationTimeout)),
            // A referral would send the user's password to a server nobody configured.
            ("LDAP_OPT_REFERRALS", ldap_set_option(handle, LDAP_OPT_REFERRALS, nil)),
        ]
        let callbacks = watch.makeCallbacks()
        self.callbacks = callbacks
        results.append(("LDAP_OPT_CONNECT_CB", ldap_set_option(handle, LDAP_OPT_CONNECT_CB, callbacks)))
        let usesTLS = settings.startTLS || server.lowercased().hasPrefix("ldaps://")
        if usesTLS {
            if let file = settings.tlsCAFile { results.append(("LDAP_OPT_X_TLS_CACERTFILE", ldap_set_option(handle, LDAP_OPT_X_TLS_CACERTFILE, file))) }
            if let file = settings.tlsCertFile { results.append(("LDAP_OPT_X_TLS_CERTFILE", ldap_set_option(handle, LDAP_OPT_X_TLS_CERTFILE, file))) }
            if let file = settings.tlsKeyFile { results.append(("LDAP_OPT_X_TLS_KEYFILE", ldap_set_option(handle, LDAP_OPT_X_TLS_KEYFILE, file))) }
            var require: Int32 = settings.tlsVerify ? LDAP_OPT_X_TLS_DEMAND : LDAP_OPT_X_TLS_NEVER
            results.append(("LDAP_OPT_X_TLS_REQUIRE_CERT", ldap_set_option(handle, LDAP_OPT_X_TLS_REQUIRE_CERT, &require)))
            // Builds this handle's own TLS context from the options above (0: a client context).
            var server: Int32 = 0
            results.append(("LDAP_OPT_X_TLS_NEWCTX", ldap_set_option(handle, LDAP_OPT_X_TLS_NEWCTX, &server)))
        }
        for (option, code) in results where code != LDAP_OPT_SUCCESS {
            return failure(code == -1 ? -12 : code, "setting \(option)")
        }
        return nil
    }

    /// A simple bind (`ldap_sasl_bind_s` with `LDAP_SASL_SIMPLE`). Returns the server's result
    /// code — success, invalid credentials… are answers, not failures; only a connection or
    /// library problem is a failure. The password's bytes are handed to libldap in place.
    func bind(dn: String, password: Secret?) -> Result<Int32, LDAPFailure> {
        guard let handle else { return .failure(LDAPFailure(code: -1, message: "closed", server: server)) }
        let code: Int32
        if let password {
            code = password.withUnsafeBytes { bytes -> Int32 in
                var credential = berval(
                    bv_len: ber_len_t(bytes.count),
                    bv_val: UnsafeMutableRawPointer(mutating: bytes.baseAddress)?.assumingMemoryBound(to: CChar.self))
                return ldap_sasl_bind_s(handle, dn, nil, &credential, nil, nil, nil)
            }
        } else {
            // An anonymous bind: empty name, empty credentials.
            var credential = berval(bv_len: 0, bv_val: nil)
            code = ldap_sasl_bind_s(handle, "", nil, &credential, nil, nil, nil)
        }
        if code < 0 || LDAPFailure.serverLevel.contains(code) { return .failure(failure(code, "bind")) }
        return .success(code)
    }

    /// The DNs of at most `limit` entries matching `filter`, each with the values of
    /// `attribute` (raw bytes) when one is asked for; otherwise no attribute is requested. One
    /// search either way: a value needed later (a `memberUid` group's uid) costs no operation.
    func searchDNs(
        base: String, scope: LDAPScope, filter: String, attribute: String? = nil, limit: Int32, timeout: TimeAmount
    ) -> Result<[(dn: String, values: [[UInt8]])], LDAPFailure> {
        guard let handle else { return .failure(LDAPFailure(code: -1, message: "closed", server: server)) }
        var time = Self.timeval(timeout)
        var message: OpaquePointer?
        // "1.1" asks for no attributes (RFC 4511): only the DN is needed.
        let requested = strdup(attribute ?? "1.1")
        defer { free(requested) }
        var attributes: [UnsafeMutablePointer<CChar>?] = [requested, nil]
        let code = attributes.withUnsafeMutableBufferPointer { list in
            ldap_search_ext_s(handle, base, scope.code, filter, list.baseAddress, 0, nil, nil, &time, limit, &message)
        }
        defer { if let message { ldap_msgfree(message) } }
        switch code {
        case LDAP_SUCCESS, LDAP_SIZELIMIT_EXCEEDED:
            break
        case LDAP_NO_SUCH_OBJECT:
            // The base does not exist (a per-domain base for an unknown domain): nobody here.
            return .success([])
        default:
            return .failure(failure(code, "search"))
        }
        var entries: [(dn: String, values: [[UInt8]])] = []
        var entry = ldap_first_entry(handle, message)
        while let current = entry {
            if let dn = ldap_get_dn(handle, current) {
                entries.append((String(cString: dn), attribute.map { Self.values(of: $0, in: current, handle: handle) } ?? []))
                ldap_memfree(dn)
            }
            entry = ldap_next_entry(handle, current)
        }
        return .success(entries)
    }

    private static func values(of attribute: String, in entry: OpaquePointer, handle: OpaquePointer) -> [[UInt8]] {
        guard let list = ldap_get_values_len(handle, entry, attribute) else { return [] }
        defer { ldap_value_free_len(list) }
        var values: [[UInt8]] = []
        var index = 0
        while let value = list[index] {
            let length = Int(value.pointee.bv_len)
            values.append(value.pointee.bv_val.map { Array(UnsafeRawBufferPointer(start: $0, count: length)) } ?? [])
            index += 1
        }
        return values
    }

    /// Whether `attribute` of the entry `dn` holds `value` (`ldap_compare_ext_s`). A missing
    /// entry or attribute is "no".
    func compare(dn: String, attribute: String, value: [UInt8]) -> Result<Bool, LDAPFailure> {
        guard let handle else { return .failure(LDAPFailure(code: -1, message: "closed", server: server)) }
        var bytes = value
        let code = bytes.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var assertion = berval(
                bv_len: ber_len_t(buffer.count),
                bv_val: UnsafeMutableRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self))
            return ldap_compare_ext_s(handle, dn, attribute, &assertion, nil, nil)
        }
        switch code {
        case LDAP_COMPARE_TRUE: return .success(true)
        case LDAP_COMPARE_FALSE, LDAP_NO_SUCH_OBJECT, LDAP_NO_SUCH_ATTRIBUTE: return .success(false)
        default: return .failure(failure(code, "compare"))
        }
    }

    /// Sends an unbind and frees the handle. Safe to call twice.
    func close() {
        if let handle {
            self.handle = nil
            ldap_unbind_ext_s(handle, nil, nil)
        }
        if let callbacks {
            self.callbacks = nil
            callbacks.deinitialize(count: 1)
            callbacks.deallocate()
        }
    }

    /// A failure with libldap's text and the server's diagnostic message (which carries the
    /// TLS library's reason for a refused certificate).
    private func failure(_ code: Int32, _ operation: String, hint: String? = nil) -> LDAPFailure {
        var text = "\(operation): \(LDAPFailure.text(of: code))"
        var details: [String] = []
        if let handle {
            var diagnostic: UnsafeMutablePointer<CChar>?
            if ldap_get_option(handle, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diagnostic) == LDAP_OPT_SUCCESS, let diagnostic {
                let detail = String(cString: diagnostic)
                ldap_memfree(diagnostic)
                if !detail.isEmpty && detail != "(unknown error code)" { details.append(detail) }
            }
        }
        if let hint { details.append(hint) }
        if !details.isEmpty { text += " (\(details.joined(separator: "; ")))" }
        return LDAPFailure(code: code, message: text, server: server)
    }

    static func timeval(_ amount: TimeAmount) -> Glibc.timeval {
        let micros = max(amount.nanoseconds / 1000, 1000)
        return Glibc.timeval(tv_sec: Int(micros / 1_000_000), tv_usec: Int(micros % 1_000_000))
    }
}
