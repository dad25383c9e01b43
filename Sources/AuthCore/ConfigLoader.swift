import AuthWire
import Foundation
import Yams

/// Reads and validates the YAML configuration. Every mistake ends in a `ConfigError` that
/// names the file, line, column and key; nothing is guessed or silently ignored.
public enum ConfigLoader {
    public static let defaultPath = "/etc/authmux/authmux.yaml"

    static let topKeys: Set<String> = ["listen", "realms", "limits", "failure_delay", "throttle", "cache", "backends", "routes", "run_as", "metrics"]
    static let listenerKeys: Set<String> = ["protocol", "path", "mode", "group", "service", "allow"]
    static let allowKeys: Set<String> = ["users", "groups"]
    static let realmKeys: Set<String> = ["default", "aliases", "split_login", "lowercase_user"]
    static let limitKeys: Set<String> = ["read_timeout", "client_address_grace", "event_loops", "accept_threads", "connection_threads", "max_queue", "max_connections"]
    static let failureDelayKeys: Set<String> = ["floor", "cap"]
    static let throttleKeys: Set<String> = ["enabled", "free_failures", "initial", "max", "half_life", "max_entries", "in_flight", "queue", "key"]
    static let routeKeys: Set<String> = ["match", "use"]
    static let matchKeys: Set<String> = ["realm", "service"]

    public static func load(path: String, catalog: BackendCatalog) throws(ConfigError) -> AuthmuxConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read the file (permissions, or not UTF-8)" : "no such file"
            throw ConfigError(file: path, line: 0, column: 0, keyPath: "", message: reason)
        }
        return try parse(yaml: text, file: path, catalog: catalog)
    }

    public static func parse(yaml: String, file: String, catalog: BackendCatalog) throws(ConfigError) -> AuthmuxConfig {
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: yaml) else {
                throw ConfigError(file: file, line: 1, column: 1, keyPath: "", message: "the file is empty")
            }
            root = composed
        } catch let error as ConfigError {
            throw error
        } catch let error as YamlError {
            throw syntaxError(error, file: file, yaml: yaml)
        } catch {
            throw ConfigError(file: file, line: 1, column: 1, keyPath: "", message: "not valid YAML: \(error)")
        }
        let top = ConfigNode(node: root, keyPath: "", file: file)
        let entries = try top.mapping(allowed: topKeys)
        func section(_ key: String) -> ConfigNode? { entries.first { $0.key == key }?.value }

        let listeners = try section("listen").map(parseListeners) ?? [ListenerConfig()]
        let realms = try section("realms").map(parseRealms) ?? RealmRules()
        let limits = try section("limits").map(parseLimits) ?? LimitsConfig()
        let failureDelay = try section("failure_delay").map(parseFailureDelay) ?? FailureDelay()
        guard let backendsNode = section("backends") else {
            throw top.error("backends: missing; at least one backend is required (for example `backends: { mailusers: { type: sasldb, path: /etc/sasldb2 } }`)")
        }
        let backends = try parseBackends(backendsNode, catalog: catalog)
        let routes: [Route]
        if let routesNode = section("routes") {
            routes = try parseRoutes(routesNode, backends: backends)
        } else if backends.count == 1 {
            // One backend and no routes: the only sensible reading is "use it for everything".
            routes = [Route(number: 1, match: nil, chain: [backends[0].name], line: backends[0].line)]
        } else {
            throw top.error("routes: missing; with more than one backend, say which checks go where")
        }
        var config = AuthmuxConfig(
            file: file, listeners: listeners, realms: realms, limits: limits, failureDelay: failureDelay, backends: backends, routes: routes)
        config.cache = try section("cache").map(parseCache) ?? CacheSettings()
        config.throttle = try section("throttle").map(parseThrottle) ?? ThrottleSettings()
        config.runAs = try section("run_as").map(parseRunAs)
        if let node = section("metrics") { config.metrics = try parseMetrics(node, listeners: listeners) }
        return config
    }

    // MARK: Sections

    static func parseListeners(_ node: ConfigNode) throws(ConfigError) -> [ListenerConfig] {
        var listeners: [ListenerConfig] = []
        var paths = Set<String>()
        let items = try node.sequence()
        guard !items.isEmpty else { throw node.error("at least one listener is required") }
        for item in items {
            var listener = ListenerConfig()
            var pathGiven = false
            var serviceNode: ConfigNode?
            for (key, value) in try item.mapping(allowed: listenerKeys) {
                switch key {
                case "protocol":
                    let name = try value.string()
                    guard let proto = ListenerProtocol(rawValue: name) else {
                        let known = ListenerProtocol.allCases.map(\.rawValue).joined(separator: ", ")
                        throw value.error("unsupported protocol \"\(name)\" (this version speaks: \(known))")
                    }
                    listener.protocolName = proto
                case "path":
                    let path = try value.nonEmptyString()
                    guard path.hasPrefix("/") else { throw value.error("must be an absolute path") }
                    // sockaddr_un.sun_path holds 108 bytes including the terminating NUL.
                    guard path.utf8.count < 108 else { throw value.error("too long for a Unix socket path (at most 107 bytes)") }
                    listener.path = path
                    pathGiven = true
                case "service":
                    let service = try value.nonEmptyString()
                    guard FieldRules.nameProblem(Array(service.utf8)) == nil else { throw value.error("not a service name") }
                    listener.service = service
                    serviceNode = value
                case "mode":
                    listener.mode = try parseMode(value)
                case "group":
                    listener.group = try value.nonEmptyString()
                    listener.groupError = value.error("group \"\(listener.group!)\" does not exist")
                case "allow":
                    listener.allow = try parseAllow(value)
                default:
                    break
                }
            }
            // Keys may come in any order, so what depends on the protocol is checked afterwards.
            if let serviceNode, !listener.protocolName.takesServiceFromListener {
                throw serviceNode.error("only pwcheck listeners take a service: \(listener.protocolName.rawValue) requests name their own")
            }
            if !pathGiven {
                switch listener.protocolName {
                case .saslauthd: break
                case .pwcheck: listener.path = ListenerConfig.defaultPwcheckPath
                case .authdaemond:
                    // libsasl2's built-in authdaemond_path is /dev/null: there is no default to match.
                    throw item.error("an authdaemond listener needs a path (the consumer's authdaemond_path)")
                case .dovecot:
                    // Consumers name the socket themselves (smtpd_sasl_path, server_socket).
                    throw item.error("a dovecot listener needs a path (Postfix's smtpd_sasl_path, Exim's server_socket)")
                }
            }
            guard paths.insert(listener.path).inserted else { throw item.error("two listeners on the same path \(listener.path)") }
            listeners.append(listener)
        }
        return listeners
    }

    static func parseAllow(_ node: ConfigNode) throws(ConfigError) -> PeerAllowList {
        var allow = PeerAllowList()
        for (key, value) in try node.mapping(allowed: allowKeys) {
            var entries: [PeerAllowList.Entry] = []
            for item in try conditionNodes(value) {
                let name = try item.nonEmptyString()
                guard FieldRules.nameProblem(Array(name.utf8)) == nil, !name.contains(" ") else {
                    throw item.error("not a \(key == "users" ? "user" : "group") name")
                }
                let kind = key == "users" ? "user" : "group"
                entries.append(PeerAllowList.Entry(name: name, unknownError: item.error("no \(kind) \"\(name)\" on this host")))
            }
            if key == "users" { allow.users = entries } else { allow.groups = entries }
        }
        guard !allow.users.isEmpty || !allow.groups.isEmpty else {
            throw node.error("names no users and no groups, so it would refuse everyone; leave allow out to admit anyone who can reach the socket")
        }
        return allow
    }

    /// An octal permission string such as "0660". Quoting is recommended because YAML readers
    /// disagree on whether an unquoted 0660 is octal; the text is read as octal either way.
    static func parseMode(_ node: ConfigNode) throws(ConfigError) -> UInt32 {
        let text = try node.string()
        guard (1...4).contains(text.count), text.allSatisfy({ ("0"..."7").contains($0) }), let mode = UInt32(text, radix: 8) else {
            throw node.error("expected an octal file mode such as \"0660\"")
        }
        guard mode <= 0o777 else { throw node.error("setuid, setgid and sticky bits are not allowed on a socket") }
        guard mode & 0o600 == 0o600 else { throw node.error("the owner needs read and write access (0600 at least)") }
        return mode
    }

    static func parseRealms(_ node: ConfigNode) throws(ConfigError) -> RealmRules {
        var defaultRealm: ByteString?
        var aliases: [ByteString: ByteString] = [:]
        var split = SplitLogin.last
        var lowercase = false
        for (key, value) in try node.mapping(allowed: realmKeys) {
            switch key {
            case "default":
                defaultRealm = try realmName(value)
            case "aliases":
                for (alias, target) in try value.anyMapping() {
                    guard !alias.isEmpty, FieldRules.nameProblem(Array(alias.utf8)) == nil else { throw target.error("not a realm name") }
                    aliases[ByteString(alias)] = try realmName(target)
                }
            case "split_login":
                let text = try value.string()
                guard let rule = SplitLogin(rawValue: text) else {
                    throw value.error("expected one of: \(SplitLogin.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                split = rule
            case "lowercase_user":
                lowercase = try value.bool()
            default:
                break
            }
        }
        return RealmRules(defaultRealm: defaultRealm, aliases: aliases, splitLogin: split, lowercaseUser: lowercase)
    }

    /// A realm as written (its UTF-8 bytes, no normalization): refused under the same rules as
    /// a realm on the wire, and without `@`.
    static func realmName(_ node: ConfigNode) throws(ConfigError) -> ByteString {
        let text = try node.nonEmptyString()
        let bytes = ByteString(text)
        if let problem = FieldRules.nameProblem(bytes.bytes) { throw node.error("not a realm name: \(problem.reason(field: "realm"))") }
        guard bytes.firstIndex(of: UInt8(ascii: "@")) == nil else { throw node.error("not a realm name: it contains @") }
        return bytes
    }

    static func parseLimits(_ node: ConfigNode) throws(ConfigError) -> LimitsConfig {
        var limits = LimitsConfig()
        for (key, value) in try node.mapping(allowed: limitKeys) {
            switch key {
            case "read_timeout": limits.readTimeout = try value.duration(in: .milliseconds(100) ... .hours(1))
            case "client_address_grace": limits.clientAddressGrace = try value.duration(in: .nanoseconds(0) ... .seconds(1))
            case "event_loops": limits.eventLoops = try value.int(in: 1...64)
            case "accept_threads":
                // 0 used to mean "accept on the event loop"; there is one accept path now.
                if case .scalar(let scalar) = value.node, scalar.string == "0" {
                    throw value.error("must be at least 1: every listener is accepted on its own threads (0 used to accept on the event loop)")
                }
                limits.acceptThreads = try value.int(in: 1...64)
            case "connection_threads": limits.connectionThreads = try value.int(in: 0...256)
            case "max_queue": limits.maxQueue = try value.int(in: 1...1_000_000)
            case "max_connections": limits.maxConnections = try value.int(in: 1...1_000_000)
            default: break
            }
        }
        return limits
    }

    static func parseFailureDelay(_ node: ConfigNode) throws(ConfigError) -> FailureDelay {
        var delay = FailureDelay()
        var capNode: ConfigNode?
        for (key, value) in try node.mapping(allowed: failureDelayKeys) {
            switch key {
            case "floor": delay.floor = try value.duration(in: .nanoseconds(0) ... .seconds(60))
            case "cap":
                delay.cap = try value.duration(in: .nanoseconds(0) ... .seconds(60))
                capNode = value
            default: break
            }
        }
        guard delay.cap >= delay.floor else {
            throw (capNode ?? node).error("cap (\(ConfigNode.format(delay.cap))) is below floor (\(ConfigNode.format(delay.floor)))")
        }
        return delay
    }

    static func parseThrottle(_ node: ConfigNode) throws(ConfigError) -> ThrottleSettings {
        var throttle = ThrottleSettings()
        var maxNode: ConfigNode?
        for (key, value) in try node.mapping(allowed: throttleKeys) {
            switch key {
            case "enabled": throttle.enabled = try value.bool()
            case "free_failures": throttle.freeFailures = try value.int(in: 0...1000)
            case "initial": throttle.initial = try value.duration(in: .milliseconds(1) ... .seconds(60))
            case "max":
                throttle.max = try value.duration(in: .milliseconds(1) ... .minutes(10))
                maxNode = value
            case "half_life": throttle.halfLife = try value.duration(in: .seconds(1) ... .hours(24))
            case "max_entries": throttle.maxEntries = try value.int(in: 100...10_000_000)
            case "in_flight": throttle.inFlight = try value.int(in: 1...1000)
            case "queue": throttle.queue = try value.int(in: 0...10_000)
            case "key":
                let text = try value.string()
                guard let mode = ThrottleKeyMode(rawValue: text) else {
                    throw value.error("expected one of: \(ThrottleKeyMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                throttle.keyMode = mode
            default: break
            }
        }
        guard throttle.max >= throttle.initial else {
            throw (maxNode ?? node).error("max (\(ConfigNode.format(throttle.max))) is below initial (\(ConfigNode.format(throttle.initial)))")
        }
        return throttle
    }

    static func parseBackends(_ node: ConfigNode, catalog: BackendCatalog) throws(ConfigError) -> [BackendDefinition] {
        let entries = try node.anyMapping()
        guard !entries.isEmpty else { throw node.error("at least one backend is required") }
        var definitions: [BackendDefinition] = []
        for (name, value) in entries {
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }) else {
                throw value.error("backend names may hold letters, digits, _ - and . only")
            }
            let fields = try value.anyMapping()
            guard let typeNode = fields.first(where: { $0.key == "type" })?.value else {
                throw value.error("missing type (one of: \(catalog.typeNames.joined(separator: ", ")))")
            }
            let type = try typeNode.string()
            guard let kind = catalog.kind(type) else {
                throw typeNode.error("unknown backend type \"\(type)\" (this build knows: \(catalog.typeNames.joined(separator: ", ")))")
            }
            let (settingsNode, cacheable) = try splitCacheFlag(value)
            var definition = try kind.definition(name: name, node: settingsNode)
            definition.line = value.line
            definition.cacheable = cacheable
            definitions.append(definition)
        }
        return definitions
    }

    static func parseRoutes(_ node: ConfigNode, backends: [BackendDefinition]) throws(ConfigError) -> [Route] {
        let known = Set(backends.map(\.name))
        var routes: [Route] = []
        let items = try node.sequence()
        guard !items.isEmpty else { throw node.error("at least one route is required") }
        for (offset, item) in items.enumerated() {
            if let previous = routes.last, previous.match == nil {
                throw item.error("unreachable: route \(previous.number) has no match and already takes every check")
            }
            var match: RouteMatch?
            var chain: [String]?
            for (key, value) in try item.mapping(allowed: routeKeys) {
                switch key {
                case "match":
                    var realms: [ByteString]?
                    var services: [ByteString]?
                    for (matchKey, condition) in try value.mapping(allowed: matchKeys) {
                        if matchKey == "realm" {
                            var list: [ByteString] = []
                            for realmNode in try conditionNodes(condition) { list.append(try realmName(realmNode)) }
                            realms = list
                        } else {
                            var list: [ByteString] = []
                            for serviceNode in try conditionNodes(condition) {
                                let service = ByteString(try serviceNode.nonEmptyString())
                                if let problem = FieldRules.nameProblem(service.bytes) {
                                    throw serviceNode.error("not a service name: \(problem.reason(field: "service"))")
                                }
                                list.append(service)
                            }
                            services = list
                        }
                    }
                    guard realms != nil || services != nil else { throw value.error("empty match; leave match out for a default route") }
                    match = RouteMatch(realms: realms, services: services)
                case "use":
                    var names: [String] = []
                    let nodes = try conditionNodes(value)
                    for nameNode in nodes {
                        let name = try nameNode.nonEmptyString()
                        guard known.contains(name) else {
                            throw nameNode.error("no backend named \"\(name)\" (defined: \(backends.map(\.name).joined(separator: ", ")))")
                        }
                        guard !names.contains(name) else { throw nameNode.error("backend \"\(name)\" appears twice in this chain") }
                        names.append(name)
                    }
                    guard !names.isEmpty else { throw value.error("must name at least one backend") }
                    chain = names
                default:
                    break
                }
            }
            guard let chain else { throw item.error("missing use: the backends this route sends checks to") }
            routes.append(Route(number: offset + 1, match: match, chain: chain, line: item.line))
        }
        return routes
    }

    /// A single value or a list, as nodes so each item can be located.
    static func conditionNodes(_ node: ConfigNode) throws(ConfigError) -> [ConfigNode] {
        if case .sequence = node.node { return try node.sequence() }
        return [node]
    }

    static func syntaxError(_ error: YamlError, file: String, yaml: String) -> ConfigError {
        switch error {
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams reports the mapping's position; point at the repeated key instead.
            let key = duplicates.first ?? "?"
            let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
            let candidates = lines.indices.filter { index in
                guard index + 1 >= context.mark.line else { return false }
                let trimmed = lines[index].drop { $0 == " " || $0 == "-" || $0 == "{" }
                return trimmed.hasPrefix("\(key):") || trimmed.hasPrefix("\"\(key)\":")
            }
            let line = candidates.count >= 2 ? candidates[1] + 1 : context.mark.line
            let column = candidates.count >= 2 ? lines[candidates[1]].prefix { $0 == " " || $0 == "-" }.count + 1 : context.mark.column
            return ConfigError(file: file, line: line, column: column, keyPath: key, message: "duplicate key")
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ConfigError(file: file, line: mark.line, column: mark.column, keyPath: "", message: "YAML syntax error: \(problem)")
        default:
            return ConfigError(file: file, line: 1, column: 1, keyPath: "", message: "YAML error: \(error)")
        }
    }
}
