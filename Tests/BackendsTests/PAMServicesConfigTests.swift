import AuthCore
import AuthWire
import Backends
import Logging
import NIOCore
import NIOPosix
import Testing

/// `services:` and `allow_passwordless_stacks:` on pam backends, and the refusal of a request
/// for a service the backend does not serve.
@Suite("PAM services allow-list")
struct PAMServicesConfigTests {
    func settings(_ backend: String) throws -> PAMSettings {
        let yaml = "backends:\n  system: \(backend)\n"
        let config = try ConfigLoader.parse(yaml: yaml, file: "/etc/authmux/test.yaml", catalog: BuiltinBackends.catalog)
        return try #require(config.backends.first?.settings as? PAMSettings)
    }

    func error(_ backend: String) -> ConfigError? {
        do {
            _ = try settings(backend)
            return nil
        } catch {
            return error as? ConfigError
        }
    }

    @Test func percentSServesMailAndDirectoryServicesByDefault() throws {
        let pam = try settings("{ type: pam }")
        #expect(pam.services.isDefault)
        #expect(pam.services.names == ["smtp", "submission", "imap", "pop", "pop3", "sieve", "managesieve", "lmtp", "nntp", "ldap", "xmpp"])
        for refused in ["su", "SU", "su-l", "login", "sudo", "sshd", "chfn", "chsh", "runuser", "passwd", "other", "cron"] {
            #expect(!pam.services.admits(refused), "\(refused)")
        }
        #expect(pam.services.admits("IMAP") && pam.services.admits("smtp"))
        #expect(!pam.allowPasswordlessStacks)
        // Each default service is reported at the backend's definition.
        #expect(pam.reachableServices.count == 11)
        #expect(pam.reachableServices.allSatisfy { $0.origin.keyPath == "backends.system" && $0.origin.line == 2 })
        #expect(pam.summary.contains("services smtp, submission, imap"))
    }

    @Test func aWrittenListIsLowercasedAndLocated() throws {
        let pam = try settings("{ type: pam, service: \"%s\", services: [ IMAP, authmux-test-1 ], allow_passwordless_stacks: true }")
        #expect(pam.services.names == ["imap", "authmux-test-1"] && !pam.services.isDefault)
        #expect(pam.reachableServices.map(\.name) == ["imap", "authmux-test-1"])
        #expect(pam.reachableServices.map(\.origin.keyPath) == ["backends.system.services[1]", "backends.system.services[2]"])
        #expect(pam.allowPasswordlessStacks)
        let single = try settings("{ type: pam, services: smtp }")
        #expect(single.services.names == ["smtp"])
    }

    @Test func aFixedServiceIsTheOnlyReachableOneAndRefusesServices() throws {
        let fixed = try settings("{ type: pam, service: Mail }")
        #expect(fixed.reachableServices.map(\.name) == ["mail"])
        #expect(fixed.reachableServices.first?.origin.keyPath == "backends.system.service")
        let both = try #require(error("{ type: pam, services: [ imap ], service: mail }"))
        #expect(both.keyPath == "backends.system.services" && both.message.contains("only a backend with service: \"%s\" takes services"))
    }

    @Test func badListsAreLocatedErrors() throws {
        #expect(error("{ type: pam, services: [] }")?.keyPath == "backends.system.services")
        #expect(error("{ type: pam, services: [ imap, ../su ] }")?.keyPath == "backends.system.services[2]")
        #expect(error("{ type: pam, services: [ imap, Imap ] }")?.message == "\"Imap\" is listed twice")
        #expect(error("{ type: pam, services: [ \"%s\" ] }")?.keyPath == "backends.system.services[1]")
        #expect(error("{ type: pam, allow_passwordless_stacks: maybe }")?.keyPath == "backends.system.allow_passwordless_stacks")
    }

    @Test func aRequestForAServiceNotServedIsRejectedWithoutPAM() async throws {
        let backend = PAMBackend(name: "system", settings: try settings("{ type: pam, threads: 1 }"), logger: Logger(label: "test"))
        for service in ["su", "SU", "runuser"] {
            let verdict = await backend.verdict(user: "root", realm: "", service: service, password: Secret("x"))
            #expect(verdict == .rejected(reason: "service \"\(service)\" is not in services of pam backend system"))
        }
        // `explain` says so too.
        let identity = CanonicalIdentity(user: "root", realm: "", loginAsSent: "root")
        let lookup = backend.settings.explain(CheckSubject(identity: identity, service: "su"))
        #expect(lookup.contains("is not in services"), "\(lookup)")
        await backend.shutdown()
    }
}
