/// The one place where untrusted request fields are refused, whatever front door they came
/// through (shared/DESIGN.md, "Identity and realms", rule 1).
///
/// Names (login, realm, service, client address) must be UTF-8 without NUL, control or
/// invisible formatting characters: refused, never stripped, because a stripped name could
/// collide with another user's. A password may hold any byte but NUL: a store handed a C
/// string would check only the part before it, so `secret\0junk` would pass as `secret`, and
/// `\0` as the empty password that pam_unix's `nullok` lets in.
public enum FieldRules {
    /// nil when `bytes` may be used as a name.
    public static func nameProblem<Bytes: Collection>(_ bytes: Bytes) -> FieldProblem? where Bytes.Element == UInt8 {
        var asciiOnly = true
        for byte in bytes {
            if byte == 0 { return .nul }
            if byte < 0x20 || byte == 0x7F { return .controlCharacter }
            if byte >= 0x80 { asciiOnly = false }
        }
        if asciiOnly { return nil }
        guard let text = String(validating: bytes, as: UTF8.self) else { return .notUTF8 }
        for scalar in text.unicodeScalars where scalar.value >= 0x80 {
            switch scalar.properties.generalCategory {
            case .control:
                return .controlCharacter
            case .format, .lineSeparator, .paragraphSeparator:
                return .formatCharacter(scalar.value)
            default:
                continue
            }
        }
        return nil
    }

    /// nil when `bytes` may be used as a password: anything but a NUL byte.
    public static func passwordProblem(_ bytes: UnsafeRawBufferPointer) -> FieldProblem? {
        bytes.contains(0) ? .nul : nil
    }
}
