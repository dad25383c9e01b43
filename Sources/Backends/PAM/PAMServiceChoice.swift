/// Which PAM service file a check uses (`service:` on a pam backend).
public enum PAMServiceChoice: Sendable, Equatable, CustomStringConvertible {
    /// `%s`: the service named in the request (smtp, imap…), as saslauthd does.
    case fromRequest
    /// One fixed service for every check.
    case fixed(String)

    /// The service for a request, or nil when the request's name cannot be a PAM service file.
    public func resolve(requestService: String) -> String? {
        switch self {
        case .fixed(let name): return name
        case .fromRequest: return Self.isValidName(requestService) ? requestService : nil
        }
    }

    /// Linux-PAM turns the service into a file name under /etc/pam.d; a client-chosen name must
    /// not be able to point anywhere else (`../`) or at a hidden file.
    public static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 64, !name.hasPrefix(".") else { return false }
        return name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
    }

    /// The name libpam opens a file for: pam_start lowercases the service (ASCII) before it
    /// looks, so `SU` reads /etc/pam.d/su.
    public static func fileName(for name: String) -> String {
        String(decoding: name.utf8.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }, as: UTF8.self)
    }

    public var description: String {
        switch self {
        case .fromRequest: return "%s (the request's service)"
        case .fixed(let name): return name
        }
    }
}
