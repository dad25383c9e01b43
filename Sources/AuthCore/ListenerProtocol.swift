/// The wire protocol a listener speaks: the three ways Cyrus SASL's `pwcheck_method` can ask a
/// password daemon, and Dovecot's auth protocol, which Postfix and Exim speak without Cyrus SASL.
public enum ListenerProtocol: String, Sendable, CaseIterable {
    /// Cyrus saslauthd's counted strings (`pwcheck_method: saslauthd`).
    case saslauthd
    /// The Cyrus SASL v1 pwcheck daemon's `login NUL password NUL` (`pwcheck_method: pwcheck`).
    case pwcheck
    /// The part of Courier authdaemond's protocol libsasl2 speaks (`pwcheck_method: authdaemond`).
    case authdaemond
    /// The client side of Dovecot's auth protocol (Postfix `smtpd_sasl_type = dovecot`, Exim
    /// `driver = dovecot`): persistent connections, several requests in flight, PLAIN and LOGIN.
    case dovecot

    /// Whether requests on this protocol name no service, so the listener's `service:` supplies
    /// it. saslauthd and authdaemond requests carry the consumer's own service name, which is
    /// what routes should see; overriding it there would only hide the consumer's identity.
    public var takesServiceFromListener: Bool { self == .pwcheck }
}
