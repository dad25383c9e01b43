import AuthWire
public import AuthCore
import NIOCore
import Foundation

/// Reads saslauthd's `/etc/saslauthd.conf` (the `-O` file of `saslauthd -a ldap`) into
/// `LDAPSettings`, so a site can migrate by pointing `saslauthd_conf:` at the file it has.
///
/// The format is saslauthd's: `key: value` per line, `#` comments, keys case-insensitive, the
/// value the rest of the line. Keys authmux has no use for are collected and named in a warning
/// at start rather than refused, because saslauthd itself ignores unknown keys and a migration
/// should not stop on them; a value authmux cannot honour (`ldap_auth_method: custom`) is an
/// error, because checking passwords some other way than asked would be worse.
public struct SaslauthdConfImport {
    /// saslauthd keys that map onto these settings.
    public static let supportedKeys: Set<String> = [
        "ldap_servers", "ldap_search_base", "ldap_filter", "ldap_bind_dn", "ldap_password", "ldap_bind_pw",
        "ldap_auth_method", "ldap_timeout", "ldap_time_limit", "ldap_start_tls", "ldap_tls_cacert_file",
        "ldap_tls_check_peer", "ldap_default_realm", "ldap_default_domain", "ldap_group_dn", "ldap_group_attr",
        "ldap_tls_cert", "ldap_tls_key", "ldap_scope", "ldap_version",
    ]

    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// Applies the file to `settings`. `node` (the `saslauthd_conf:` entry) locates errors about
    /// the file as a whole; errors about one line name that line of the file.
    public func apply(to settings: inout LDAPSettings, node: ConfigNode) throws(ConfigError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw node.error("cannot read \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw node.error("\(path) is not UTF-8 text") }
        settings.importedFrom = path
        var unsupported: [String] = []
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let lineNumber = offset + 1
            func fail(_ message: String) -> ConfigError {
                ConfigError(file: path, line: lineNumber, column: 1, keyPath: node.keyPath, message: message)
            }
            guard let colon = line.firstIndex(of: ":") else { throw fail("expected `key: value`") }
            let key = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard !value.isEmpty else { throw fail("\(key): no value") }
            guard Self.supportedKeys.contains(key) else {
                unsupported.append(key)
                continue
            }
            try Self.apply(key: key, value: value, to: &settings, fail: fail)
        }
        settings.unsupportedImportKeys = unsupported
    }

    private static func apply(
        key: String, value: String, to settings: inout LDAPSettings, fail: (String) -> ConfigError
    ) throws(ConfigError) {
        func template(_ text: String) throws(ConfigError) -> LDAPTemplate {
            do { return try LDAPTemplate(text) } catch { throw fail("\(key): \(error.message)") }
        }
        func seconds(_ text: String) throws(ConfigError) -> TimeAmount {
            guard let number = Int(text), number > 0, number <= 3600 else { throw fail("\(key): expected seconds (1-3600)") }
            return .seconds(Int64(number))
        }
        switch key {
        case "ldap_servers":
            settings.servers = value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        case "ldap_search_base":
            settings.searchBase = try template(value)
        case "ldap_filter":
            settings.filter = try template(value)
        case "ldap_bind_dn":
            settings.bindDN = value
        case "ldap_password", "ldap_bind_pw":
            settings.bindPassword = Secret(value)
        case "ldap_auth_method":
            guard let method = LDAPAuthMethod(rawValue: value.lowercased()) else {
                throw fail("ldap_auth_method: \(value) is not supported (bind or fastbind; custom reads userPassword, which authmux never does)")
            }
            settings.authMethod = method
        case "ldap_timeout":
            settings.timeout = try seconds(value)
        case "ldap_time_limit":
            settings.searchTimeout = try seconds(value)
        case "ldap_start_tls":
            settings.startTLS = switchValue(value)
        case "ldap_tls_check_peer":
            settings.tlsVerify = switchValue(value)
        case "ldap_tls_cacert_file":
            settings.tlsCAFile = value
        case "ldap_tls_cert":
            settings.tlsCertFile = value
        case "ldap_tls_key":
            settings.tlsKeyFile = value
        case "ldap_default_realm", "ldap_default_domain":
            settings.defaultRealm = IdentityNormalizer.canonicalRealmSpelling(ByteString(value))
        case "ldap_group_dn":
            settings.groupDN = try template(value)
        case "ldap_group_attr":
            settings.groupAttribute = value
        case "ldap_scope":
            // saslauthd reads `one` and `base`; anything else is its default, subtree.
            settings.scope = LDAPScope(rawValue: value.lowercased()) ?? .sub
        case "ldap_version":
            guard value == "3" else { throw fail("ldap_version: only LDAPv3 is spoken") }
        default:
            break
        }
    }

    /// saslauthd's reading of a switch: `1`, `y…`, `on`, `t…` are on; everything else is off.
    static func switchValue(_ value: String) -> Bool {
        let lower = value.lowercased()
        return lower.hasPrefix("1") || lower.hasPrefix("y") || lower.hasPrefix("on") || lower.hasPrefix("t")
    }
}
