public import AuthWire

/// What every request a front door accepts must satisfy, checked independently of
/// `FieldRules` (a second reading of the same rule, so a bug in one is caught by the other):
/// names are UTF-8 with no NUL, no control character and no invisible formatting character;
/// the password holds no NUL.
public enum NameInvariants {
    public static func checkAccepted(_ request: CheckRequest) {
        let names = [("login", request.login), ("service", request.service), ("realm", request.realm)]
            + (request.clientAddress.map { [("client address", $0)] } ?? [])
        for (field, name) in names {
            guard let text = String(validating: name.bytes, as: UTF8.self) else {
                Invariant.require(false, "\(field) accepted as invalid UTF-8")
                return
            }
            for scalar in text.unicodeScalars {
                let value = scalar.value
                Invariant.require(value >= 0x20 && !(0x7F...0x9F).contains(value), "\(field) accepted with control character U+\(String(value, radix: 16))")
                let category = scalar.properties.generalCategory
                Invariant.require(category != .format && category != .lineSeparator && category != .paragraphSeparator,
                                  "\(field) accepted with invisible character U+\(String(value, radix: 16))")
            }
        }
        Invariant.require(!request.login.isEmpty && !request.password.isEmpty, "empty login or password accepted")
        Invariant.require(!request.password.withUnsafeBytes { $0.contains(0) }, "a NUL in the password accepted")
    }

    /// Whether `bytes` breaks the name rule, by the same independent reading.
    public static func breaksNameRule(_ bytes: [UInt8]) -> Bool {
        guard let text = String(validating: bytes, as: UTF8.self) else { return true }
        return text.unicodeScalars.contains { scalar in
            let value = scalar.value
            let category = scalar.properties.generalCategory
            return value < 0x20 || (0x7F...0x9F).contains(value) || category == .format || category == .lineSeparator
                || category == .paragraphSeparator
        }
    }
}
