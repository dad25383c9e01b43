/// The `cache:` section and the `cache:` key every backend accepts.
extension ConfigLoader {
    static let cacheKeys: Set<String> = ["enabled", "ttl", "negative_ttl", "max_entries"]

    static func parseCache(_ node: ConfigNode) throws(ConfigError) -> CacheSettings {
        var cache = CacheSettings()
        for (key, value) in try node.mapping(allowed: cacheKeys) {
            switch key {
            case "enabled": cache.enabled = try value.bool()
            case "ttl": cache.ttl = try value.duration(in: .nanoseconds(0) ... .hours(24))
            case "negative_ttl": cache.negativeTTL = try value.duration(in: .nanoseconds(0) ... .hours(1))
            case "max_entries": cache.maxEntries = try value.int(in: 1...10_000_000)
            default: break
            }
        }
        return cache
    }

    /// Takes a backend's own `cache: true|false` out of its mapping before the backend kind's
    /// strict decoding sees it, so no kind needs to know about the cache.
    static func splitCacheFlag(_ node: ConfigNode) throws(ConfigError) -> (settings: ConfigNode, cacheable: Bool) {
        guard let flag = try node.anyMapping().first(where: { $0.key == "cache" })?.value else { return (node, true) }
        return (node.removing(key: "cache"), try flag.bool())
    }
}
