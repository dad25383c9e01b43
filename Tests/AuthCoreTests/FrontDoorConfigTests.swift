import AuthCore
import AuthWire
import Testing

@Suite("Configuration of pwcheck and authdaemond listeners")
struct FrontDoorConfigTests {
    typealias L = ConfigLoaderTests

    @Test func threeProtocolsLoadWithTheirDefaults() throws {
        let config = try L.load("""
            listen:
              - protocol: saslauthd
              - protocol: pwcheck
              - protocol: pwcheck
                path: /run/authmux/pwcheck-sendmail
                service: sendmail
              - protocol: authdaemond
                path: /run/authmux/authdaemon
                mode: "0666"
            backends:
              a: { type: stub }
            """)
        #expect(config.listeners.map(\.protocolName) == [.saslauthd, .pwcheck, .pwcheck, .authdaemond])
        #expect(config.listeners.map(\.path) == ["/run/saslauthd/mux", "/var/pwcheck/pwcheck", "/run/authmux/pwcheck-sendmail", "/run/authmux/authdaemon"])
        #expect(config.listeners[1].pwcheckService == "pwcheck")
        #expect(config.listeners[2].pwcheckService == "sendmail")
        #expect(config.listeners[3].mode == 0o666)
    }

    @Test func serviceIsRefusedWhereTheRequestNamesItsOwn() throws {
        for proto in ["saslauthd", "authdaemond"] {
            let error = try #require(L.failure("""
                listen:
                  - service: imap
                    protocol: \(proto)
                    path: /run/x/sock
                backends:
                  a: { type: stub }
                """))
            #expect(error.line == 2, "\(error)")
            #expect(error.keyPath == "listen[1].service", "\(error)")
            #expect(error.message.contains("only pwcheck"), "\(error)")
        }
        // Without a protocol the listener is saslauthd's.
        let implicit = try #require(L.failure("listen:\n  - path: /run/x/mux\n    service: imap\nbackends:\n  a: { type: stub }\n"))
        #expect(implicit.line == 3 && implicit.keyPath == "listen[1].service", "\(implicit)")
    }

    @Test func badValuesAreLocated() throws {
        let unknown = try #require(L.failure("listen:\n  - protocol: imap\nbackends:\n  a: { type: stub }\n"))
        #expect(unknown.line == 2 && unknown.keyPath == "listen[1].protocol", "\(unknown)")
        #expect(unknown.message.contains("saslauthd, pwcheck, authdaemond, dovecot"), "\(unknown)")

        let dovecotWithoutPath = try #require(L.failure("listen:\n  - protocol: dovecot\nbackends:\n  a: { type: stub }\n"))
        #expect(dovecotWithoutPath.line == 2 && dovecotWithoutPath.message.contains("smtpd_sasl_path"), "\(dovecotWithoutPath)")

        let noPath = try #require(L.failure("listen:\n  - protocol: authdaemond\nbackends:\n  a: { type: stub }\n"))
        #expect(noPath.line == 2 && noPath.keyPath == "listen[1]", "\(noPath)")
        #expect(noPath.message.contains("path"), "\(noPath)")

        let emptyService = try #require(L.failure("listen:\n  - protocol: pwcheck\n    service: \"\"\nbackends:\n  a: { type: stub }\n"))
        #expect(emptyService.line == 3 && emptyService.keyPath == "listen[1].service", "\(emptyService)")

        let samePath = try #require(L.failure("listen:\n  - protocol: pwcheck\n  - protocol: pwcheck\nbackends:\n  a: { type: stub }\n"))
        #expect(samePath.message.contains("same path"), "\(samePath)")
    }
}
