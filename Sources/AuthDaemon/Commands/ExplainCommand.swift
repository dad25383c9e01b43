import ArgumentParser
import AuthCore
import AuthWire
import Logging

/// `authmuxd explain LOGIN [REALM]`: what a check would do, without a password and without
/// asking any store.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show the canonical identity, the route and what each backend would be asked for a login."
    )

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The login as a client would send it (foo, foo@example.com, ...).")
    var login: String

    @Argument(help: "The realm field as a client would send it (empty when omitted).")
    var realm: String = ""

    @Option(name: .long, help: "The service name the client would send.")
    var service: String = "imap"

    func run() throws {
        let config = try options.load()
        Console.out("login: \(login)")
        Console.out("realm field: \(realm.isEmpty ? "(empty)" : realm)")
        Console.out("service: \(service)")
        // The same refusals a front door applies, in the same order (`CheckRequest.validate`).
        for (field, text) in [("login", login), ("service", service), ("realm", realm)] {
            if let problem = FieldRules.nameProblem(Array(text.utf8)) {
                Console.out("refused: NO \(problem.reason(field: field))")
                throw ExitCode(1)
            }
        }
        let serviceBytes = ByteString(service)
        switch IdentityNormalizer.normalize(login: ByteString(login), realm: ByteString(realm), rules: config.realms, recordSteps: true) {
        case .failure(let error):
            Console.out("refused: NO \(error.reason)")
            throw ExitCode(1)
        case .success(let normalization):
            Console.out("steps:")
            for step in normalization.steps { Console.out("  - \(step)") }
            let identity = normalization.identity
            Console.out("canonical identity:")
            Console.out("  user: \(identity.user.text)")
            Console.out("  realm: \(identity.realm.isEmpty ? "(empty)" : identity.realm.text)")
            guard let route = Router(routes: config.routes).route(for: identity, service: serviceBytes) else {
                Console.out("route: none matches; the check would be answered NO authentication failed")
                return
            }
            Console.out("route: \(route.description)")
            Console.out("chain:")
            let subject = CheckSubject(identity: identity, service: serviceBytes)
            for (index, name) in route.chain.enumerated() {
                guard let definition = config.backends.first(where: { $0.name == name }) else { continue }
                Console.out("  \(index + 1). \(name) (\(definition.settings.type)): \(definition.settings.explain(subject))")
            }
        }
    }
}
