import AuthWire
public import AuthCore
public import Logging

/// Decodes `type: ldap` backends and builds them.
public struct LDAPBackendKind: BackendKind {
    public init() {}

    public var type: String { "ldap" }

    static let keys: Set<String> = [
        "type", "servers", "auth_method", "search_base", "scope", "filter", "bind_dn", "bind_password", "timeout",
        "search_timeout", "start_tls", "tls_ca_file", "tls_cert_file", "tls_key_file", "tls_verify", "threads",
        "group_dn", "group_attribute", "default_realm", "saslauthd_conf", "dn_cache",
    ]

    public func decode(_ node: ConfigNode) throws(ConfigError) -> LDAPSettings {
        var settings = LDAPSettings()
        let entries = try node.mapping(allowed: Self.keys)
        // The imported file first, so that every key written in the YAML overrides it.
        if let conf = entries.first(where: { $0.key == "saslauthd_conf" })?.value {
            let path = try conf.nonEmptyString()
            guard path.hasPrefix("/") else { throw conf.error("must be an absolute path") }
            try SaslauthdConfImport(path: path).apply(to: &settings, node: conf)
        }
        for (key, value) in entries {
            switch key {
            case "servers":
                settings.servers = try value.stringList()
                for (index, uri) in settings.servers.enumerated() {
                    let lower = uri.lowercased()
                    guard lower.hasPrefix("ldap://") || lower.hasPrefix("ldaps://") || lower.hasPrefix("ldapi://") else {
                        throw value.error("server \(index + 1) \"\(uri)\" is not an ldap://, ldaps:// or ldapi:// URI")
                    }
                    guard !uri.contains(" ") else { throw value.error("one URI per list entry, without spaces") }
                }
            case "auth_method":
                let text = try value.string()
                guard let method = LDAPAuthMethod(rawValue: text) else {
                    throw value.error("expected one of: \(LDAPAuthMethod.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                settings.authMethod = method
            case "search_base":
                settings.searchBase = try Self.template(value)
            case "scope":
                let text = try value.string()
                guard let scope = LDAPScope(rawValue: text) else {
                    throw value.error("expected one of: \(LDAPScope.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                settings.scope = scope
            case "filter":
                settings.filter = try Self.template(value)
            case "bind_dn":
                settings.bindDN = try value.nonEmptyString()
            case "bind_password":
                settings.bindPassword = Secret(try value.string())
            case "timeout":
                settings.timeout = try value.duration(in: .milliseconds(10) ... .minutes(10))
            case "search_timeout":
                settings.searchTimeout = try value.duration(in: .milliseconds(10) ... .minutes(10))
            case "start_tls":
                settings.startTLS = try value.bool()
            case "tls_ca_file":
                settings.tlsCAFile = try Self.absolutePath(value)
            case "tls_cert_file":
                settings.tlsCertFile = try Self.absolutePath(value)
            case "tls_key_file":
                settings.tlsKeyFile = try Self.absolutePath(value)
            case "tls_verify":
                settings.tlsVerify = try value.bool()
            case "threads":
                settings.threads = try value.int(in: 1...256)
            case "group_dn":
                settings.groupDN = try Self.template(value)
            case "group_attribute":
                let text = try value.nonEmptyString()
                guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
                    throw value.error("\"\(text)\" is not an attribute name")
                }
                settings.groupAttribute = text
            case "dn_cache":
                settings.dnCache = try Self.dnCache(value)
            case "default_realm":
                settings.defaultRealm = IdentityNormalizer.canonicalRealmSpelling(ByteString(try value.nonEmptyString()))
            default:
                break
            }
        }
        try Self.validate(settings, node: node)
        if settings.authMethod == .fastbind && settings.groupDN != nil && settings.groupHoldsUserNames {
            // A memberUid group lists uids, and fastbind makes no search that could read the
            // entry's: the login is not necessarily its uid (a DN template on cn or mail).
            let located = ["group_attribute", "auth_method", "group_dn", "saslauthd_conf"].lazy
                .compactMap { key in entries.first { $0.key == key }?.value }.first ?? node
            throw located.error("memberUid needs auth_method: bind (its groups list uids, and fastbind makes no search that could read the entry's uid); use uniqueMember or member, which hold the DN fastbind binds as")
        }
        if settings.authMethod == .fastbind, settings.dnCache != nil, let located = entries.first(where: { $0.key == "dn_cache" })?.value {
            throw located.error("dn_cache needs auth_method: bind (fastbind makes no search, so there is no DN to remember)")
        }
        return settings
    }

    /// `dn_cache: { enabled, ttl, max_entries }`; nil when disabled.
    static func dnCache(_ node: ConfigNode) throws(ConfigError) -> LDAPDNCacheSettings? {
        var cache = LDAPDNCacheSettings()
        var enabled = true
        for (key, value) in try node.mapping(allowed: LDAPDNCacheSettings.keys) {
            switch key {
            case "enabled": enabled = try value.bool()
            case "ttl": cache.ttl = try value.duration(in: .seconds(1) ... .hours(24))
            case "max_entries": cache.maxEntries = try value.int(in: 1...10_000_000)
            default: break
            }
        }
        return enabled ? cache : nil
    }

    /// Rules that involve more than one key (some possibly from an imported file).
    static func validate(_ settings: LDAPSettings, node: ConfigNode) throws(ConfigError) {
        guard !settings.servers.isEmpty else { throw node.error("servers: at least one ldap:// or ldaps:// URI is required") }
        if settings.authMethod == .bind && settings.searchBase == nil {
            throw node.error("search_base is required with auth_method: bind")
        }
        if (settings.tlsCertFile == nil) != (settings.tlsKeyFile == nil) {
            throw node.error("tls_cert_file and tls_key_file go together (a client certificate needs its key)")
        }
        if settings.bindDN != nil && (settings.bindPassword?.isEmpty ?? true) {
            // An empty password would turn the search identity into an anonymous bind that
            // slapd accepts, hiding the mistake until the searches find nothing.
            throw node.error("bind_dn needs a non-empty bind_password")
        }
    }

    static func template(_ node: ConfigNode) throws(ConfigError) -> LDAPTemplate {
        let text = try node.nonEmptyString()
        do { return try LDAPTemplate(text) } catch { throw node.error(error.message) }
    }

    static func absolutePath(_ node: ConfigNode) throws(ConfigError) -> String {
        let path = try node.nonEmptyString()
        guard path.hasPrefix("/") else { throw node.error("must be an absolute path") }
        return path
    }

    public func makeBackend(name: String, settings: LDAPSettings, logger: Logger) throws -> LDAPBackend {
        LDAPBackend(name: name, settings: settings, logger: logger)
    }
}
