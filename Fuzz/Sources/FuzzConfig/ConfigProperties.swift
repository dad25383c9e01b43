import AuthCore
import AuthWire
import Backends
import FuzzSupport

/// What the configuration loader promises for any file (shared/DESIGN.md, "Configuration"):
/// a configuration the daemon can run, or a `ConfigError` that names the file and a line; never
/// a trap, which at a SIGHUP reload would take the running daemon down.
enum ConfigProperties {
    static let maxInput = 4096
    static let file = "fuzz.yaml"

    static func check(_ text: String) {
        let config: AuthmuxConfig
        do {
            config = try ConfigLoader.parse(yaml: text, file: file, catalog: BuiltinBackends.catalog)
        } catch {
            checkError(error)
            return
        }
        checkConfig(config)
    }

    /// `file:line:column: …` with a line of at least 1.
    static func checkError(_ error: ConfigError) {
        let description = error.description
        Invariant.require(description.hasPrefix("\(file):"), "error without the file name: \(description.debugDescription)")
        let digits = description.dropFirst(file.count + 1).prefix { $0.isASCII && $0.isNumber }
        Invariant.require(Int(digits).map { $0 >= 1 } ?? false, "error without a line number: \(description.debugDescription)")
        Invariant.require(!error.message.isEmpty, "error without a message")
    }

    static func checkConfig(_ config: AuthmuxConfig) {
        Invariant.require(config.file == file, "config names file \(config.file)")
        Invariant.require(!config.listeners.isEmpty, "no listener")
        Invariant.require(Set(config.listeners.map(\.path)).count == config.listeners.count, "two listeners on one path")
        for listener in config.listeners {
            Invariant.require(listener.path.hasPrefix("/") && listener.path.utf8.count < 108, "listener path \(listener.path.debugDescription)")
        }
        Invariant.require(!config.backends.isEmpty && !config.routes.isEmpty, "no backend or no route")
        let names = Set(config.backends.map(\.name))
        Invariant.require(names.count == config.backends.count, "two backends with one name")
        for route in config.routes {
            Invariant.require(!route.chain.isEmpty && route.chain.allSatisfy(names.contains), "route \(route.number) names a missing backend")
        }
        // Only the last route may match everything: an earlier one would make the rest unreachable.
        for route in config.routes.dropLast() { Invariant.require(route.match != nil, "route \(route.number) shadows the rest") }
        if let realm = config.realms.defaultRealm {
            Invariant.require(realm == IdentityNormalizer.canonicalRealmSpelling(realm) && realm.firstIndex(of: UInt8(ascii: "@")) == nil,
                              "default realm \(realm.text.debugDescription)")
        }
        Invariant.require(config.failureDelay.floor <= config.failureDelay.cap, "failure delay floor above cap")
    }
}
