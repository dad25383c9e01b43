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
    public func expand(identity: CanonicalIdentity, service: String, defaultRealm: String?, context: Context) -> String {
        let values = TokenValues(identity: identity, service: service, defaultRealm: defaultRealm)
        var out = ""
        for part in parts {
            switch part {
            case .literal(let text):
                out += text
            case .token(let token):
                let raw = values.value(of: token)
                out += context == .filter ? LDAPEscape.filterValue(raw) : LDAPEscape.dnValue(raw)
            }
        }
        return out
    }

    public var description: String { text }

    /// The raw (unescaped) values of one check's tokens.
    struct TokenValues {
        var user: String
        var realm: String
        var service: String

        init(identity: CanonicalIdentity, service: String, defaultRealm: String?) {
            user = identity.user
            realm = identity.realm.isEmpty ? (defaultRealm ?? "") : identity.realm
            self.service = service
        }

        var userPart: String {
            guard let at = user.firstIndex(of: "@") else { return user }
            return String(user[..<at])
        }

        var domain: String {
            if let at = user.firstIndex(of: "@") {
                let after = user[user.index(after: at)...]
                if !after.isEmpty { return String(after) }
            }
            return realm
        }

        func value(of token: Character) -> String {
            switch token {
            case "u": return user
            case "U": return userPart
            case "d": return domain
            case "r": return realm
            case "s": return service
            default:
                guard let number = token.wholeNumberValue, (1...9).contains(number) else { return "" }
                let labels = domain.split(separator: ".", omittingEmptySubsequences: true)
                guard number <= labels.count else { return "" }
                return String(labels[labels.count - number])
            }
        }
    }
}
