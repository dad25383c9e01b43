/// Escaping of values substituted into LDAP strings, so a login can only ever stand for itself.
///
/// A login such as `*)(uid=*` put raw into `(uid=%u)` would match every entry; put raw into a
/// DN it could name another entry. Every token value goes through one of these functions, and
/// the template's own text never does.
public enum LDAPEscape {
    /// RFC 4515 (search filters): `*`, `(`, `)`, `\` and NUL become `\2a`, `\28`, `\29`, `\5c`,
    /// `\00`. Other bytes, UTF-8 included, are legal in an assertion value as they are.
    public static func filterValue(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "*": out += "\\2a"
            case "(": out += "\\28"
            case ")": out += "\\29"
            case "\\": out += "\\5c"
            case "\u{0}": out += "\\00"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// RFC 4514 (attribute values in a DN): `"`, `+`, `,`, `;`, `<`, `>`, `\` and `=` get a
    /// backslash, NUL becomes `\00`, and a leading space or `#` and a trailing space are
    /// escaped, because a DN parser would otherwise drop them or read a hex string.
    public static func dnValue(_ value: String) -> String {
        let scalars = Array(value.unicodeScalars)
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for (index, scalar) in scalars.enumerated() {
            switch scalar {
            case "\"", "+", ",", ";", "<", ">", "\\", "=":
                out += "\\"
                out.unicodeScalars.append(scalar)
            case "\u{0}":
                out += "\\00"
            case " " where index == 0 || index == scalars.count - 1:
                out += "\\ "
            case "#" where index == 0:
                out += "\\#"
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
