import AuthWire

/// saslauthd's set-up turned into an equivalent authmux.yaml: every choice carries a comment
/// that says what it came from, and everything without an equivalent is said in the file and in
/// `gaps`. Pure: the command reads the files and the host's facts and hands them in.
struct SaslauthdTranslation {
    struct Input {
        var instances: [SaslauthdInstance]
        /// `/etc/saslauthd.conf` or an `-O` file, by path; a path an LDAP instance names that is
        /// missing here could not be read.
        var saslauthdConfs: [String: SaslKeyValueFile] = [:]
        /// Consumers' SASL files (`/etc/postfix/sasl/smtpd.conf`).
        var consumers: [SaslKeyValueFile] = []
        /// The directory a consumer's paths are relative to (`--chroot`); nil to infer Postfix's.
        var chroot: String?
        /// Whether Debian's `sasl` group exists here (sasl2-bin creates it); the socket gets it.
        var saslGroupExists = true
    }

    private(set) var yaml = ""
    /// Every listener's path, in the order written.
    private(set) var listenerPaths: [String] = []
    /// What has no equivalent or needs a decision, one sentence each (also comments in `yaml`).
    private(set) var gaps: [String] = []

    static let defaultLDAPConf = "/etc/saslauthd.conf"
    /// saslauthd's cache timeout when `-c` is given without `-t` (saslauthd/cache.h).
    static let saslauthdCacheTimeout = 28800
    /// Debian's Postfix runs smtpd chrooted here (master.cf's chroot column, `y` by default).
    static let postfixChroot = "/var/spool/postfix"

    /// The saslauthd.conf an instance reads, when its mechanism is ldap.
    static func ldapConfPath(of instance: SaslauthdInstance) -> String? {
        guard instance.options.mechanism?.lowercased() == "ldap" else { return nil }
        return instance.options.mechanismOption ?? defaultLDAPConf
    }

    private struct Backend {
        var name: String
        var signature: String
        var draft: YAMLDraft
    }

    private var draft = YAMLDraft()
    private var backends: [Backend] = []
    /// Each instance's backend name, in instance order.
    private var chain: [String] = []

    init(_ input: Input) {
        draft.comment("authmux.yaml written by `authmuxd migrate` (authmux \(AuthmuxVersion.version)) from \(Self.sourceList(input)).")
        draft.comment("Every setting says where it came from; lines marked NO EQUIVALENT need a decision before this file replaces saslauthd. Check it with `authmuxd check-config --config FILE`, and compare answers with `authmuxd migrate --check --logins FILE`.")
        if input.instances.isEmpty {
            gap("no saslauthd set-up was found (no /etc/default/saslauthd, /etc/sysconfig/saslauthd or command line): the defaults of saslauthd -a pam are assumed")
        }
        let instances = input.instances.isEmpty ? [SaslauthdInstance(arguments: ["-a", "pam", "-m", SaslauthdInstance.compiledSocketDirectory])] : input.instances
        for instance in instances {
            for remark in instance.remarks { draft.comment(remark) }
        }
        writeListeners(instances, input: input)
        writeRealms(instances)
        for instance in instances { planBackend(for: instance, input: input) }
        writeBackends()
        writeRoutes(instances)
        writeCache(instances)
        draft.blank()
        draft.comment("failure_delay and throttle keep authmux's defaults (see authmux.yaml(5)): saslauthd answered a wrong password at once and slowed no one down, so a password spray reached the store at full speed.")
        writeUnused(instances)
        draft.blank()
        draft.comment("run_as: authmuxd keeps the account it is started as (root under the packaged unit). With no pam backend, `run_as: { user: authmux, group: sasl }` drops root once the sockets are bound (the package creates the authmux account; /etc/sasldb2 is root:sasl 0640 on Debian).")
        yaml = draft.text
    }

    private static func sourceList(_ input: Input) -> String {
        var sources = input.instances.map(\.source)
        sources += input.saslauthdConfs.keys.sorted()
        sources += input.consumers.map(\.path)
        var seen = Set<String>()
        let unique = sources.filter { seen.insert($0).inserted }
        return unique.isEmpty ? "saslauthd's defaults" : unique.joined(separator: ", ")
    }

    private mutating func gap(_ text: String, indent: Int = 0, inFile: Bool = true) {
        gaps.append(text)
        if inFile { draft.comment("NO EQUIVALENT: " + text, indent: indent) }
    }

    // MARK: listen

    private mutating func writeListeners(_ instances: [SaslauthdInstance], input: Input) {
        draft.blank()
        draft.line("listen:")
        var written = Set<String>()
        for instance in instances {
            let path = instance.socketPath
            guard written.insert(path).inserted else {
                draft.comment("\(instance.name) (\(instance.source)) listens on \(path) too: one listener serves both", indent: 2)
                continue
            }
            let origin = instance.options.socketDirectory.map { "-m \($0)" } ?? "no -m: saslauthd's compiled-in \(SaslauthdInstance.compiledSocketDirectory)"
            var why = "\(instance.name) (\(instance.source)): \(origin), and saslauthd listens on <dir>/mux."
            if path.hasPrefix(Self.postfixChroot + "/") {
                why += " This is inside Postfix's chroot (\(Self.postfixChroot)): smtpd, chrooted, reaches it as \(String(path.dropFirst(Self.postfixChroot.count))), which is what its smtpd.conf's saslauthd_path names."
            }
            if path.hasPrefix("/var/run/") { why += " /var/run is /run on Debian, so this is the same socket file as /run\(path.dropFirst("/var/run".count))." }
            draft.comment(why, indent: 2)
            writeListener(protocolName: "saslauthd", path: path, input: input)
            listenerPaths.append(path)
        }
        for consumer in input.consumers {
            writeConsumer(consumer, instances: instances, input: input, written: &written)
        }
    }

    private mutating func writeListener(protocolName: String, path: String, input: Input, service: String? = nil) {
        draft.line("- protocol: \(protocolName)", indent: 2)
        draft.line("path: \(YAMLDraft.quoted(path))", indent: 4)
        draft.line("mode: \"0660\"", indent: 4, comment: "saslauthd makes mux 0777 and guards its directory (root:sasl 0710); authmux sets the socket's own mode")
        if input.saslGroupExists {
            draft.line("group: sasl", indent: 4, comment: "Debian's group for saslauthd's clients: keep postfix, cyrus… in it")
        } else {
            draft.comment("no group: there is no `sasl` group on this host (sasl2-bin creates it); the socket is then only for root, or add `group: NAME`", indent: 4)
        }
        if let service { draft.line("service: \(YAMLDraft.quoted(service))", indent: 4) }
    }

    /// A consumer's SASL file: the sockets it connects to must be served, and what it asks of
    /// saslauthd is said.
    private mutating func writeConsumer(_ file: SaslKeyValueFile, instances: [SaslauthdInstance], input: Input, written: inout Set<String>) {
        let chroot = input.chroot ?? inferredChroot(for: file, instances: instances)
        let methods = SaslauthdInstance.words(file.value("pwcheck_method") ?? "auxprop").map { $0.lowercased() }
        draft.comment("\(file.path): pwcheck_method: \(methods.joined(separator: " "))\(file.entry("pwcheck_method") == nil ? " (not set: libsasl2's default, auxprop)" : "")", indent: 2)
        if let chroot {
            let reason = input.chroot != nil ? "--chroot" : "it is Postfix's and a saslauthd socket is inside Postfix's chroot"
            draft.comment("its paths are read inside the chroot \(chroot) (\(reason))", indent: 2)
        }
        for method in methods {
            switch method {
            case "saslauthd":
                let asWritten = file.value("saslauthd_path") ?? SaslauthdInstance.compiledSocketDirectory + "/mux"
                let path = (chroot ?? "") + asWritten
                let source = file.entry("saslauthd_path").map { "saslauthd_path: \($0.value) (line \($0.line))" } ?? "no saslauthd_path: libsasl2's compiled-in \(asWritten)"
                if written.contains(path) {
                    draft.comment("\(source): served by the listener on \(path) above", indent: 2)
                } else if written.contains(path + "/mux") {
                    gap("\(file.path) \(source) names the directory, but libsasl2 takes saslauthd_path as the socket itself: set it to \(asWritten)/mux (served above as \(path)/mux)", indent: 2)
                } else {
                    draft.comment("\(source): no saslauthd instance listens there today; authmux will", indent: 2)
                    written.insert(path)
                    writeListener(protocolName: "saslauthd", path: path, input: input)
                    listenerPaths.append(path)
                }
            case "authdaemond":
                guard let asWritten = file.value("authdaemond_path") else {
                    gap("\(file.path) uses authdaemond without authdaemond_path (libsasl2's default is /dev/null): set it, and add an authdaemond listener on that path", indent: 2)
                    continue
                }
                let path = (chroot ?? "") + asWritten
                draft.comment("authdaemond_path: \(asWritten): authmux speaks Courier's authdaemond protocol there", indent: 2)
                if written.insert(path).inserted {
                    writeListener(protocolName: "authdaemond", path: path, input: input)
                    listenerPaths.append(path)
                }
            case "pwcheck":
                let path = (chroot ?? "") + DefaultSockets.pwcheck
                draft.comment("pwcheck: libsasl2's compiled-in \(DefaultSockets.pwcheck); the wire has no service, so routes see the listener's", indent: 2)
                if written.insert(path).inserted {
                    writeListener(protocolName: "pwcheck", path: path, input: input, service: "pwcheck")
                    listenerPaths.append(path)
                }
            case "auxprop":
                draft.comment("auxprop: the consumer reads its own store (auxprop_plugin: \(file.value("auxprop_plugin") ?? "sasldb")); no daemon answers those checks, authmux included", indent: 2)
            default:
                gap("\(file.path) pwcheck_method \(method) is not something saslauthd or authmux answers", indent: 2)
            }
        }
        if let mechList = file.entry("mech_list") {
            let mechanisms = SaslauthdInstance.words(mechList.value).map { $0.uppercased() }
            let plain = mechanisms.filter { $0 == "PLAIN" || $0 == "LOGIN" }
            let others = mechanisms.filter { $0 != "PLAIN" && $0 != "LOGIN" }
            var text = "mech_list: \(mechList.value): \(plain.isEmpty ? "no PLAIN or LOGIN, so no password reaches the daemon" : plain.joined(separator: " ") + " carry the password to the daemon")"
            if !others.isEmpty {
                text += "; \(others.joined(separator: " ")) need the secret itself (auxprop), never a daemon that only verifies, saslauthd or authmux"
            }
            draft.comment(text, indent: 2)
        }
        let known: Set<String> = ["pwcheck_method", "saslauthd_path", "authdaemond_path", "mech_list", "auxprop_plugin"]
        let rest = file.entries.filter { !known.contains($0.key) }.map(\.key)
        if !rest.isEmpty {
            draft.comment("\(rest.joined(separator: ", ")): the consumer's own settings, nothing for the daemon", indent: 2)
        }
    }

    private func inferredChroot(for file: SaslKeyValueFile, instances: [SaslauthdInstance]) -> String? {
        guard file.path.hasPrefix("/etc/postfix/") else { return nil }
        return instances.contains { $0.socketPath.hasPrefix(Self.postfixChroot + "/") } ? Self.postfixChroot : nil
    }

    // MARK: realms

    private mutating func writeRealms(_ instances: [SaslauthdInstance]) {
        draft.blank()
        draft.comment("saslauthd has no realm rules. Without realms.default, a sasldb check without a realm is looked up under the host's name, as saslauthd does; set it (and aliases) to the domain your users were created under once the answers agree.")
        draft.line("realms:")
        draft.comment("saslauthd hands a login with @ to its mechanism whole (-a sasldb looks alice@example.com up as a user of the host's realm); libsasl2 consumers split user@realm before they send it, so they never see the difference. `split_login: never` reads logins exactly as saslauthd did.", indent: 2)
        draft.line("split_login: last", indent: 2, comment: "alice@example.com → user alice, realm example.com")
        draft.line("lowercase_user: false", indent: 2, comment: "Unix and sasldb logins are case-sensitive, as under saslauthd")
    }

    // MARK: backends

    private mutating func planBackend(for instance: SaslauthdInstance, input: Input) {
        let options = instance.options
        let mechanism = options.mechanism?.lowercased() ?? "(none)"
        var block = YAMLDraft()
        var type = mechanism
        var signature = mechanism
        switch mechanism {
        case "sasldb":
            block.comment("-a sasldb (\(instance.source)): saslauthd reads libsasl2's /etc/sasldb2, keyed by (user, realm), as authmux does", indent: 2)
            block.line("type: sasldb", indent: 4)
            block.line("path: /etc/sasldb2", indent: 4)
            writeThreads(options, into: &block, range: 1...64)
        case "pam", "shadow", "getpwent", "kerberos5", "kerberos":
            type = "pam"
            switch mechanism {
            case "pam":
                block.comment("-a pam (\(instance.source)): the PAM stack named by the request's service, as saslauthd asks it", indent: 2)
            case "shadow", "getpwent":
                block.comment("-a \(mechanism) (\(instance.source)): authmux has no \(mechanism) backend; a pam backend whose services' stacks hold pam_unix (Debian's common-auth) checks the same /etc/shadow. Unlike -a \(mechanism), PAM also runs the account stack (expiry, pam_nologin).", indent: 2)
            default:
                block.comment("-a \(mechanism) (\(instance.source)): authmux has no Kerberos backend; a pam backend with pam_krb5 (libpam-krb5) in the services' stacks asks the same KDC", indent: 2)
                gap("-a \(mechanism): put pam_krb5 (libpam-krb5) in /etc/pam.d/<service> for each service, or this pam backend checks Unix passwords instead", indent: 2)
            }
            block.line("type: pam", indent: 4)
            block.line("service: \"%s\"", indent: 4, comment: "/etc/pam.d/<the request's service> (smtp, imap…), as saslauthd")
            if options.realmOnLogin {
                block.line("identity: qualified", indent: 4, comment: "-r: PAM is asked for user@realm, as saslauthd -r did")
                signature += " -r"
            } else {
                block.line("identity: bare", indent: 4, comment: "PAM is asked for the user without the realm, as saslauthd without -r")
                block.comment("one difference: a login typed as alice@example.com reached PAM whole under saslauthd; authmux splits it (split_login) and asks for alice. identity: as_sent keeps the old way.", indent: 4)
            }
            block.comment("services: the default list (mail and directory services, never login or su) limits which request services %s may name; list others a consumer sends (its service= in the log)", indent: 4)
            writeThreads(options, into: &block, range: 1...256)
        case "ldap":
            let path = Self.ldapConfPath(of: instance) ?? Self.defaultLDAPConf
            signature += " " + path
            block.comment("-a ldap (\(instance.source)) with \(options.mechanismOption.map { "-O \($0)" } ?? "saslauthd's default file, \(Self.defaultLDAPConf)"): its settings, key by key", indent: 2)
            block.line("type: ldap", indent: 4)
            if let conf = input.saslauthdConfs[path] {
                writeLDAP(conf, into: &block)
            } else {
                block.line("saslauthd_conf: \(YAMLDraft.quoted(path))", indent: 4, comment: "not readable here; authmux reads it itself at start")
                gaps.append("\(path) could not be read: copy it to this host before check-config, or write the ldap keys by hand")
            }
            writeThreads(options, into: &block, range: 1...256)
        default:
            type = "passwd-file"
            signature += " \(instance.name)"
            let what: String
            switch mechanism {
            case "rimap":
                let host = options.mechanismOption ?? options.rimapHost ?? "(no -O host)"
                what = "-a rimap (-O \(host)): authmux does not log in to an IMAP server to check a password"
            case "(none)":
                what = "no -a: saslauthd does not start without a mechanism"
            default:
                what = "-a \(mechanism): not a mechanism authmux has (sasldb, pam, shadow, getpwent, kerberos5, ldap translate)"
            }
            gap("\(what). This placeholder backend, one passwd-file per realm that does not exist yet, accepts nobody until `authmuxd user add --file /etc/authmux/<realm>/passwd USER` fills it or another backend replaces it", indent: 2)
            block.line("type: passwd-file", indent: 4)
            block.line("path: \"/etc/authmux/%d/passwd\"", indent: 4)
            writeThreads(options, into: &block, range: 1...64)
        }
        if options.realmOnLogin && (mechanism == "sasldb" || mechanism == "ldap") {
            // -r rewrote the login before the mechanism saw it; what that meant depends on the store.
            let text = mechanism == "sasldb"
                ? "-r: saslauthd looked up user@realm as the user name within the realm; authmux's sasldb backend always asks (user, realm), so entries written as user@realm by saslpasswd2 need their users renamed"
                : "-r: saslauthd's %u held user@realm; check the filter's tokens against authmux's (%u, %U, %d, %r: authmux.yaml(5), type: ldap)"
            gaps.append(text)
            block.comment("NO EQUIVALENT: " + text, indent: 4)
        }
        var name = type == "passwd-file" ? "placeholder" : mechanism
        if let existing = backends.first(where: { $0.signature == signature }) {
            chain.append(existing.name)
            return
        }
        if backends.contains(where: { $0.name == name }) { name += "_\(backends.count + 1)" }
        backends.append(Backend(name: name, signature: signature, draft: block))
        chain.append(name)
    }

    private mutating func writeThreads(_ options: SaslauthdOptions, into block: inout YAMLDraft, range: ClosedRange<Int>) {
        guard let text = options.threads else { return }
        guard let threads = Int(text), threads >= 0 else {
            gaps.append("-n \(text) is not a number; saslauthd would refuse it")
            return
        }
        if threads == 0 {
            block.comment("-n 0 (a process forked per connection) has no counterpart: the backend keeps its default threads, and connections never wait for one", indent: 4)
            return
        }
        let clamped = min(max(threads, range.lowerBound), range.upperBound)
        block.line("threads: \(clamped)", indent: 4, comment: "-n \(text): saslauthd's workers; here only the backend's blocking calls use threads")
    }

    /// saslauthd.conf keys → the ldap backend's keys, each with the line it came from.
    private mutating func writeLDAP(_ conf: SaslKeyValueFile, into block: inout YAMLDraft) {
        func from(_ entry: SaslKeyValueFile.Entry) -> String { "\(entry.key) (\(conf.path):\(entry.line))" }
        // Keys in the order of the file, the last line of each (saslauthd lets a later line win).
        let ordered = conf.entries.filter { entry in conf.entry(entry.key)?.line == entry.line }
        if conf.entry("ldap_servers") == nil {
            block.line("servers: [ \"ldap://localhost/\" ]", indent: 4, comment: "no ldap_servers: saslauthd's default")
        }
        for entry in ordered {
            let value = entry.value
            switch entry.key {
            case "ldap_servers":
                block.line("servers: \(YAMLDraft.list(SaslauthdInstance.words(value)))", indent: 4, comment: from(entry) + ", tried in order")
            case "ldap_search_base":
                block.line("search_base: \(YAMLDraft.quoted(value))", indent: 4, comment: from(entry))
            case "ldap_filter":
                block.line("filter: \(YAMLDraft.quoted(value))", indent: 4, comment: from(entry) + "; the same tokens, escaped (RFC 4515)")
            case "ldap_bind_dn":
                block.line("bind_dn: \(YAMLDraft.quoted(value))", indent: 4, comment: from(entry))
            case "ldap_password", "ldap_bind_pw":
                block.line("bind_password: \(YAMLDraft.quoted(value))", indent: 4, comment: from(entry) + ": keep this file 0640 like saslauthd.conf")
            case "ldap_auth_method":
                switch value.lowercased() {
                case "bind", "fastbind":
                    block.line("auth_method: \(value.lowercased())", indent: 4, comment: from(entry))
                default:
                    gap("\(from(entry)): \(value) reads the userPassword attribute, which authmux never does; auth_method: bind (search, then bind as the user) is used instead", indent: 4)
                    block.line("auth_method: bind", indent: 4)
                }
            case "ldap_timeout":
                writeSeconds("timeout", entry: entry, conf: conf, into: &block)
            case "ldap_time_limit":
                writeSeconds("search_timeout", entry: entry, conf: conf, into: &block)
            case "ldap_start_tls":
                block.line("start_tls: \(Self.switchValue(value))", indent: 4, comment: from(entry))
            case "ldap_tls_check_peer":
                block.line("tls_verify: \(Self.switchValue(value))", indent: 4, comment: from(entry))
            case "ldap_tls_cacert_file":
                block.line("tls_ca_file: \(YAMLDraft.quoted(value))", indent: 4, comment: from(entry))
            case "ldap_tls_cert":
                block.line("tls_cert_file: \(YAMLDraft.quoted(value))", indent: 4, comment: from(entry))
            case "ldap_tls_key":
                block.line("tls_key_file: \(YAMLDraft.quoted(value))", indent: 4, comment: from(entry))
            case "ldap_default_realm", "ldap_default_domain":
                block.line("default_realm: \(YAMLDraft.quoted(value))", indent: 4, comment: from(entry))
            case "ldap_group_dn":
                block.line("group_dn: \(YAMLDraft.quoted(value))", indent: 4, comment: from(entry))
            case "ldap_group_attr":
                block.line("group_attribute: \(YAMLDraft.quoted(value))", indent: 4, comment: from(entry))
            case "ldap_scope":
                let scope = ["one", "base"].contains(value.lowercased()) ? value.lowercased() : "sub"
                block.line("scope: \(scope)", indent: 4, comment: from(entry))
            case "ldap_version":
                block.comment("\(from(entry)): \(value); authmux speaks LDAPv3 only", indent: 4)
            default:
                gap("\(from(entry)) has no counterpart in the ldap backend", indent: 4)
            }
        }
        if conf.entry("ldap_tls_check_peer") == nil && (conf.entry("ldap_start_tls") != nil || (conf.value("ldap_servers") ?? "").lowercased().contains("ldaps://")) {
            block.comment("no ldap_tls_check_peer: saslauthd did not verify the server's certificate; authmux does (tls_verify: true), so its CA must be trusted (tls_ca_file)", indent: 4)
        }
        if !conf.malformed.isEmpty {
            gaps.append("lines \(conf.malformed.map(String.init).joined(separator: ", ")) of \(conf.path) are not `key: value` and were skipped")
        }
    }

    private mutating func writeSeconds(_ key: String, entry: SaslKeyValueFile.Entry, conf: SaslKeyValueFile, into block: inout YAMLDraft) {
        guard let seconds = Int(entry.value), seconds > 0 else {
            gap("\(entry.key) (\(conf.path):\(entry.line)) is not a number of seconds; \(key) keeps its default (5s)", indent: 4)
            return
        }
        block.line("\(key): \(min(seconds, 600))s", indent: 4, comment: "\(entry.key) (\(conf.path):\(entry.line)), seconds\(seconds > 600 ? "; at most 10m here" : "")")
    }

    /// saslauthd's reading of a switch: `1`, `y…`, `on`, `t…` are on; everything else off.
    static func switchValue(_ value: String) -> Bool {
        let lower = value.lowercased()
        return lower.hasPrefix("1") || lower.hasPrefix("y") || lower.hasPrefix("on") || lower.hasPrefix("t")
    }

    private mutating func writeBackends() {
        draft.blank()
        draft.line("backends:")
        for backend in backends {
            // The block's opening comment (what the backend stands for) goes above its name.
            let lead = backend.draft.lines.prefix { $0.hasPrefix("  # ") }
            for line in lead { draft.line(line) }
            draft.line("\(backend.name):", indent: 2)
            for line in backend.draft.lines.dropFirst(lead.count) { draft.line(line) }
        }
    }

    // MARK: routes

    private mutating func writeRoutes(_ instances: [SaslauthdInstance]) {
        draft.blank()
        var order: [String] = []
        for name in chain where !order.contains(name) { order.append(name) }
        if order.count > 1 {
            let sockets = instances.map { "\($0.socketPath) → \($0.options.mechanism ?? "none")" }.joined(separator: ", ")
            gap("each saslauthd instance had its own mechanism (\(sockets)); authmux routes by realm and service, not by socket, so every socket now asks the whole chain in instance order. Write `match: { realm: … }` or `{ service: … }` routes where the sockets served different users.")
        }
        draft.line("routes:")
        draft.line("- use: [ \(order.joined(separator: ", ")) ]", indent: 2, comment: order.count == 1 ? "every check, as the one mechanism of saslauthd" : "in instance order")
    }

    // MARK: cache

    private mutating func writeCache(_ instances: [SaslauthdInstance]) {
        draft.blank()
        let cached = instances.filter { $0.options.cache }
        guard !cached.isEmpty else {
            draft.line("cache:", comment: "no -c: saslauthd asked the store every time")
            draft.line("enabled: false", indent: 2, comment: "authmux would cache by default (10m); off keeps every check at the store")
            return
        }
        if cached.count < instances.count {
            gap("-c is set on \(cached.map(\.name).joined(separator: ", ")) only; authmux has one cache, on here, and `cache: false` on a backend keeps one out of it")
        }
        let timeouts = cached.map { Int($0.options.cacheTimeout ?? "") ?? Self.saslauthdCacheTimeout }
        let ttl = min(timeouts.max() ?? Self.saslauthdCacheTimeout, 24 * 3600)
        let from = cached.compactMap(\.options.cacheTimeout).isEmpty ? "-c without -t: saslauthd's default \(Self.saslauthdCacheTimeout) s" : "-t \(cached.compactMap(\.options.cacheTimeout).joined(separator: "/"))"
        draft.line("cache:", comment: "-c: saslauthd's credential cache")
        draft.line("enabled: true", indent: 2)
        draft.line("ttl: \(Self.duration(seconds: ttl))", indent: 2, comment: from + (ttl == 24 * 3600 ? " (at most 24h here)" : ""))
        draft.line("negative_ttl: 0s", indent: 2, comment: "saslauthd cached successes only; authmux's default also refuses a repeated wrong password from memory for 30s")
        if let size = cached.compactMap(\.options.cacheSize).first {
            draft.comment("-s \(size): saslauthd's table in KiB; authmux counts entries (max_entries, default 10000, least recently used go first)", indent: 2)
        }
    }

    /// Whole hours or minutes where they fit, as a person would write the key.
    static func duration(seconds: Int) -> String {
        if seconds > 0 && seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds > 0 && seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }

    // MARK: the rest

    private mutating func writeUnused(_ instances: [SaslauthdInstance]) {
        var notes: [String] = []
        for instance in instances {
            let options = instance.options
            let who = instances.count > 1 ? "\(instance.name): " : ""
            if options.noLockFile { notes.append("\(who)-l (no accept() lock file): nothing to translate, authmux's accept needs no lock") }
            if options.timeOfDay { notes.append("\(who)-T (time-of-day restrictions): pam_time in the PAM stack does this for the pam backend") }
            if options.debug { notes.append("\(who)-d: run `authmuxd --foreground --debug` by hand for the same; never in a service") }
            if !options.cache && (options.cacheTimeout != nil || options.cacheSize != nil) {
                notes.append("\(who)-t/-s without -c: saslauthd had no cache, so neither has this file")
            }
            if let option = options.mechanismOption, options.mechanism?.lowercased() != "ldap" && options.mechanism?.lowercased() != "rimap" {
                notes.append("\(who)-O \(option): \(options.mechanism ?? "this mechanism") reads no -O")
            }
            for flag in options.informational { notes.append("\(who)\(flag): prints and exits, nothing to translate") }
            for flag in options.unknown { gap("\(who)\(flag) is not a saslauthd option; it was ignored") }
            if !options.strays.isEmpty {
                gap("\(who)\(options.strays.joined(separator: " ")): saslauthd serves one mechanism and ignores words that are not options (Debian's -a $MECHANISMS with several names); add a backend to the route if they were meant")
            }
        }
        guard !notes.isEmpty else { return }
        draft.blank()
        for note in notes { draft.comment(note) }
    }
}
