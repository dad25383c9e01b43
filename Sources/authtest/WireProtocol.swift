import ArgumentParser
import AuthWire

/// `--protocol`: which front door to ask, as the matching `pwcheck_method` would.
enum WireProtocol: String, ExpressibleByArgument, CaseIterable, Sendable {
    case saslauthd
    case pwcheck
    case authdaemond

    /// Where that protocol's consumers look by default; authdaemond has none (libsasl2's
    /// built-in `authdaemond_path` is /dev/null), so its socket must be given.
    var defaultSocket: String? {
        switch self {
        case .saslauthd: return DefaultSockets.saslauthd
        case .pwcheck: return DefaultSockets.pwcheck
        case .authdaemond: return nil
        }
    }
}
