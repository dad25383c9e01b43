#if canImport(Glibc)
import Glibc
#endif

/// The host's fully qualified name, as Cyrus SASL works it out for its default realm
/// (the host name, expanded through the resolver when it can be).
public enum HostName {
    public static func fullyQualified() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let short = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var hints = addrinfo()
        hints.ai_flags = AI_CANONNAME
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(short, nil, &hints, &result) == 0, let first = result else { return short.lowercased() }
        defer { freeaddrinfo(first) }
        guard let canonical = first.pointee.ai_canonname else { return short.lowercased() }
        return String(cString: canonical).lowercased()
    }
}
