import ArgumentParser
import AuthWire

/// `--protocol`: which front door to ask, as the matching `pwcheck_method` would.
enum WireProtocol: String, ExpressibleByArgument, CaseIterable, Sendable {
    case saslauthd
    case pwcheck
    case authdaemond
    case dovecot

    /// Where that protocol's consumers look by default; authdaemond has none (libsasl2's
    /// built-in `authdaemond_path` is /dev/null) and Dovecot's clients name theirs, so their
    /// socket must be given.
    var defaultSocket: String? {
        switch self {
        case .saslauthd: return DefaultSockets.saslauthd
        case .pwcheck: return DefaultSockets.pwcheck
        case .authdaemond, .dovecot: return nil
        }
    }
}
