import AuthWire
/// The `run_as:` section.
extension ConfigLoader {
    static let runAsKeys: Set<String> = ["user", "group"]

    static func parseRunAs(_ node: ConfigNode) throws(ConfigError) -> RunAsConfig {
        var user: (name: String, node: ConfigNode)?
        var group: (name: String, node: ConfigNode)?
        for (key, value) in try node.mapping(allowed: runAsKeys) {
            let name = try value.nonEmptyString()
            guard FieldRules.nameProblem(Array(name.utf8)) == nil, !name.contains(" "), !name.contains(":") else {
                throw value.error("not a \(key) name")
            }
            if key == "user" { user = (name, value) } else { group = (name, value) }
        }
        guard let user else { throw node.error("missing user: the account to run as once the sockets are bound") }
        return RunAsConfig(
            user: user.name, group: group?.name,
            userError: user.node.error("no user \"\(user.name)\" on this host"),
            groupError: group.map { $0.node.error("no group \"\($0.name)\" on this host") })
    }
}
