/// The SASL mechanisms the Dovecot door offers: the two that carry a plaintext password, which
/// is all a password store can check.
public enum DovecotMechanism: String, Sendable, CaseIterable {
    case plain = "PLAIN"
    case login = "LOGIN"

    /// The mechanism a client named, compared without regard to ASCII case (as Dovecot does).
    /// Compared byte by byte, without building an upper-cased copy: it runs once per request.
    init?<Name: Collection>(name: Name) where Name.Element == UInt8 {
        func upper(_ byte: UInt8) -> UInt8 { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 32 : byte }
        guard let match = Self.allCases.first(where: { $0.rawValue.utf8.elementsEqual(name.lazy.map(upper)) }) else { return nil }
        self = match
    }
}
