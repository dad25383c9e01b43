public import AuthWire
public import AuthCore

/// A filter or DN with saslauthd's `%` tokens (`filter:`, `search_base:`, `group_dn:`).
///
/// The tokens mean what they mean in saslauthd's `ldap_filter`, applied to the identity the
/// realm rules produced (libsasl2 hands saslauthd the user and realm already split, so its `%u`
/// is the bare user too):
///
/// | token | value |
/// |---|---|
/// | `%u` | the user |
/// | `%U` | the user up to its first `@` (the same as `%u` unless `split_login: never` kept one) |
/// | `%d` | the part of the user after its first `@`, otherwise `%r` |
/// | `%r` | the realm, or the backend's `default_realm` when the check has none |
/// | `%1`…`%9` | the labels of `%d` counted from the right: `%1` = `com`, `%2` = `example` for `example.com` |
/// | `%s` | the request's service |
/// | `%%` | a literal `%` |
///
/// Every value is escaped for where the template is used (see `LDAPEscape`); the template's
/// own text is not. A missing value (no realm) expands to nothing, as in saslauthd.
public struct LDAPTemplate: Sendable, Equatable, CustomStringConvertible {
    enum Part: Sendable, Equatable {
        case literal(String)
        case token(Character)
    }

    /// How substituted values are escaped.
    public enum Context: Sendable {
        /// RFC 4515: the template is a search filter.
        case filter
        /// RFC 4514: the template is a DN.
        case dn
    }

    public let text: String
    let parts: [Part]

    static let tokens: Set<Character> = ["u", "U", "d", "r", "s", "1", "2", "3", "4", "5", "6", "7", "8", "9"]

    /// Parses `text`; an unknown token or a lone `%` at the end is an error (saslauthd would
    /// silently drop it, and a filter that quietly lost a piece matches something else).
    public init(_ text: String) throws(LDAPTemplateError) {
        self.text = text
        var parts: [Part] = []
        var literal = ""
        var iterator = text.makeIterator()
        while let character = iterator.next() {
            guard character == "%" else {
                literal.append(character)
                continue
            }
            guard let token = iterator.next() else { throw LDAPTemplateError(message: "a lone % at the end (write %% for a percent sign)") }
            if token == "%" {
                literal.append("%")
            } else if Self.tokens.contains(token) {
                if !literal.isEmpty { parts.append(.literal(literal)) }
                literal = ""
                parts.append(.token(token))
            } else {
                throw LDAPTemplateError(message: "unknown token %\(token) (known: %u %U %d %r %s %1-%9 %%)")
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
    }

    /// True when the template names no token, so it expands the same for every check.
    public var isConstant: Bool { !parts.contains { if case .token = $0 { return true } else { return false } } }

    /// The template with every token replaced by its escaped value.
    public func expand(identity: CanonicalIdentity, service: ByteString, defaultRealm: ByteString?, context: Context) -> String {
        let values = TokenValues(identity: identity, service: service, defaultRealm: defaultRealm)
        var out = ""
        for part in parts {
            switch part {
            case .literal(let text):
                out += text
            case .token(let token):
                let raw = values.value(of: token).text
                out += context == .filter ? LDAPEscape.filterValue(raw) : LDAPEscape.dnValue(raw)
            }
        }
        return out
    }

    public var description: String { text }

    /// The raw (unescaped) values of one check's tokens, cut at bytes: `@` and `.` are single
    /// bytes in UTF-8, so the cuts fall where saslauthd's C code makes them.
    struct TokenValues {
        var user: ByteString
        var realm: ByteString
        var service: ByteString

        init(identity: CanonicalIdentity, service: ByteString, defaultRealm: ByteString?) {
            user = identity.user
            realm = identity.realm.isEmpty ? (defaultRealm ?? .empty) : identity.realm
            self.service = service
        }

        var userPart: ByteString {
            guard let at = user.firstIndex(of: UInt8(ascii: "@")) else { return user }
            return user[0..<at]
        }

        var domain: ByteString {
            if let at = user.firstIndex(of: UInt8(ascii: "@")), at + 1 < user.count {
                return user[(at + 1)..<user.count]
            }
            return realm
        }

        func value(of token: Character) -> ByteString {
            switch token {
            case "u": return user
            case "U": return userPart
            case "d": return domain
            case "r": return realm
            case "s": return service
            default:
                guard let number = token.wholeNumberValue, (1...9).contains(number) else { return .empty }
                let labels = domain.bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: true)
                guard number <= labels.count else { return .empty }
                return ByteString(bytes: labels[labels.count - number])
            }
        }
    }
}
