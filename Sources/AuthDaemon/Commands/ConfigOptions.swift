import ArgumentParser
import AuthCore

/// `--config FILE`, shared by every subcommand, and the one place that turns configuration
/// errors into exit status 2.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Configuration file.", valueName: "FILE"))
    var config: String?

    var path: String { config ?? ConfigLoader.defaultPath }

    static let minimalExample = """
        listen:
          - protocol: saslauthd
            path: /run/saslauthd/mux
            mode: "0660"
            group: sasl
        realms:
          default: example.com
        backends:
          mailusers: { type: sasldb, path: /etc/sasldb2 }
        routes:
          - use: [ mailusers ]
        """

    /// Loads and validates, or prints the located error and exits 2.
    func load() throws -> AuthmuxConfig {
        do {
            return try ConfigLoader.load(path: path, catalog: Composition.catalog)
        } catch {
            if config == nil && error.line == 0 {
                Console.error("""
                    authmuxd: no configuration file at \(path) (\(error.message)).
                    Write one there or pass --config FILE. A minimal configuration:

                    \(Self.minimalExample)
                    """)
            } else {
                Console.error("authmuxd: invalid configuration: \(error)")
            }
            throw ExitCode(2)
        }
    }
}
