/// Every metric authmuxd exports, with its help text: the one list the README's table follows.
///
/// Names follow Prometheus' conventions (`_total` for counters, base units in the name). Label
/// values are only ever configuration (backend names, route numbers, socket paths, server URIs)
/// or fixed words: never a user name, a realm or a client address, which would make the
/// series grow with the users (cardinality) and publish who tried to log in (privacy).
enum MetricCatalog {
    struct Entry: Sendable {
        let name: String
        let help: String
    }

    static let checks = Entry(
        name: "authmux_checks_total",
        help: "Checks answered, by front door, route, deciding (or last asked) backend and result (ok, rejected, unknown_user, unavailable, refused_input).")
    static let checkDuration = Entry(
        name: "authmux_check_duration_seconds",
        help: "Time from accepting a connection to the check's decision, failure delays excluded, by deciding (or last asked) backend.")
    static let throttleDelays = Entry(
        name: "authmux_throttle_delays_total",
        help: "Failed checks whose answer the brute-force throttle held longer than the route's failure delay.")
    static let throttleKeys = Entry(
        name: "authmux_throttle_keys",
        help: "Accounts and client hosts the brute-force throttle is tracking.")
    static let cacheHits = Entry(name: "authmux_cache_hits_total", help: "Checks answered from the credential cache.")
    static let cacheMisses = Entry(name: "authmux_cache_misses_total", help: "Checks the credential cache could not answer.")
    static let cacheEvictions = Entry(
        name: "authmux_cache_evictions_total", help: "Credential cache entries dropped to make room (least recently used first).")
    static let cacheEntries = Entry(name: "authmux_cache_entries", help: "Entries in the credential cache.")
    static let backendQueueDepth = Entry(
        name: "authmux_backend_queue_depth",
        help: "Checks a backend holds now, waiting for one of its threads or running (bounded by limits.max_queue).")
    static let backendInFlight = Entry(
        name: "authmux_backend_in_flight", help: "Checks running on a backend's threads now.")
    static let ldapServerUp = Entry(
        name: "authmux_ldap_server_up",
        help: "1 when an LDAP server is answering (or not yet tried), 0 while it is held down after a failure.")
    static let openConnections = Entry(
        name: "authmux_open_connections", help: "Connections open now, per listener.")
    static let capPauses = Entry(
        name: "authmux_connection_cap_pauses_total",
        help: "Times an accept thread found limits.max_connections reached with a client waiting, and paused accepting.")
    static let capEvictions = Entry(
        name: "authmux_connection_cap_evictions_total",
        help: "Idle connections closed to make room for a waiting client at limits.max_connections.")
    static let peersRefused = Entry(
        name: "authmux_peers_refused_total", help: "Connections closed by a listener's allow list before anything was read.")
    static let answers = Entry(
        name: "authmux_answers_total",
        help: "Answers to checks, by the thread that sent them (path): accept_thread, backend_thread, event_loop, after_delay (a failure held for its delay).")
    static let handedToEventLoop = Entry(
        name: "authmux_connections_handed_to_event_loop_total",
        help: "Connections an accept thread handed to SwiftNIO because they still waited for bytes.")
    static let reloads = Entry(name: "authmux_reloads_total", help: "SIGHUP reloads, by result (ok, failed).")
    static let configLoaded = Entry(
        name: "authmux_config_loaded_timestamp_seconds", help: "When the running configuration was loaded, in seconds since the Unix epoch.")
    static let configLoadDuration = Entry(
        name: "authmux_config_load_duration_seconds", help: "How long reading and validating the running configuration and starting its backends took.")
    static let buildInfo = Entry(name: "authmux_build_info", help: "Always 1; the labels say which authmuxd is running.")

    static let all: [Entry] = [
        checks, checkDuration, throttleDelays, throttleKeys, cacheHits, cacheMisses, cacheEvictions, cacheEntries,
        backendQueueDepth, backendInFlight, ldapServerUp, openConnections, capPauses, capEvictions, peersRefused,
        answers, handedToEventLoop, reloads, configLoaded, configLoadDuration, buildInfo,
    ]

    /// The help text for a name made through swift-metrics (the credential cache's counters).
    static func help(for name: String) -> String {
        all.first { $0.name == name }?.help ?? ""
    }
}
