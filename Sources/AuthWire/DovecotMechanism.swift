/// The SASL mechanisms the Dovecot door offers: the two that carry a plaintext password, which
/// is all a password store can check.
public enum DovecotMechanism: String, Sendable, CaseIterable {
    case plain = "PLAIN"
    case login = "LOGIN"

    /// The mechanism a client named, compared without regard to ASCII case (as Dovecot does).
    init?<Name: Collection>(name: Name) where Name.Element == UInt8 {
        let upper = name.map { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") ? $0 - 32 : $0 }
        guard let match = Self.allCases.first(where: { Array($0.rawValue.utf8) == upper }) else { return nil }
        self = match
    }
}
