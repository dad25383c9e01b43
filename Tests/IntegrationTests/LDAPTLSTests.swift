import Foundation
import Testing

/// ldaps:// and StartTLS against a slapd whose certificate was made by the test's own CA
/// (openssl), and the refusal of a server that CA did not sign.
@Suite("LDAP over TLS (real slapd)", .timeLimit(.minutes(3)))
struct LDAPTLSTests {
    typealias Setup = LDAPTestSetup

    @Test func ldapsAndStartTLSVerifyTheServerAndRefuseAnUntrustedOne() async throws {
        try await Sandbox.with { sandbox in
            let certificates = try await TestCertificates.make(in: sandbox.path, name: "good")
            let stranger = try await TestCertificates.make(in: sandbox.path, name: "stranger")
            try await SlapdServer.with(sandbox, ldif: [LDAPFixture.example: Setup.exampleLDIF], certificates: certificates) { slapd in
                func backend(_ name: String, server: String, startTLS: Bool = false, ca: String, verify: Bool = true) -> String {
                    """
                      \(name):
                        type: ldap
                        servers: [ "\(server)" ]
                        search_base: "\(LDAPFixture.example)"
                        start_tls: \(startTLS)
                        tls_ca_file: \(ca)
                        tls_verify: \(verify)
                        timeout: 3s
                    """
                }
                let yaml = """
                    backends:
                    \(backend("ldaps", server: slapd.ldapsURL, ca: certificates.caFile))
                    \(backend("starttls", server: slapd.url, startTLS: true, ca: certificates.caFile))
                    \(backend("untrusted", server: slapd.ldapsURL, ca: stranger.caFile))
                    \(backend("untrustedstarttls", server: slapd.url, startTLS: true, ca: stranger.caFile))
                    \(backend("unverified", server: slapd.ldapsURL, ca: stranger.caFile, verify: false))
                    routes:
                      - match: { service: ldaps }
                        use: [ ldaps ]
                      - match: { service: starttls }
                        use: [ starttls ]
                      - match: { service: untrusted }
                        use: [ untrusted ]
                      - match: { service: untrustedstarttls }
                        use: [ untrustedstarttls ]
                      - use: [ unverified ]
                    """
                try await Setup.withDaemon(sandbox, yaml) { daemon in
                    for service in ["ldaps", "starttls"] {
                        try await Setup.expect(daemon, "alice", "alice-pw", service: service, ok: true)
                        try await Setup.expect(daemon, "alice", "wrong", service: service, ok: false)
                    }
                    for service in ["untrusted", "untrustedstarttls"] {
                        let reply = try await Setup.ask(daemon, "alice", "alice-pw", service: service)
                        #expect(reply == .answer("NO temporarily unavailable"), "\(service): \(reply)")
                    }
                    try await daemon.waitForLog(containing: "untrusted: unavailable")
                    try await daemon.waitForLog(containing: "a server certificate that tls_ca_file does not trust fails here")
                    try await daemon.waitForLog(containing: "untrustedstarttls: unavailable (search: \(slapd.url): StartTLS")
                    // tls_verify: false accepts any certificate (and says so at start).
                    try await Setup.expect(daemon, "alice", "alice-pw", service: "other", ok: true)
                    try await daemon.waitForLog(containing: "tls_verify is false")
                }
            }
        }
    }

    /// A slapd that demands a client certificate: tls_cert_file/tls_key_file present one.
    @Test func aClientCertificateIsPresentedWhenTheServerDemandsOne() async throws {
        try await Sandbox.with { sandbox in
            let certificates = try await TestCertificates.make(in: sandbox.path, name: "ca")
            let client = try await certificates.makeClient(name: "authmux")
            let ldif = [LDAPFixture.example: Setup.exampleLDIF]
            try await SlapdServer.with(sandbox, ldif: ldif, certificates: certificates, requireClientCertificate: true) { slapd in
                let yaml = """
                    backends:
                      withcert:
                        type: ldap
                        servers: [ "\(slapd.ldapsURL)" ]
                        search_base: "\(LDAPFixture.example)"
                        tls_ca_file: \(certificates.caFile)
                        tls_cert_file: \(client.certFile)
                        tls_key_file: \(client.keyFile)
                      withoutcert:
                        type: ldap
                        servers: [ "\(slapd.ldapsURL)" ]
                        search_base: "\(LDAPFixture.example)"
                        tls_ca_file: \(certificates.caFile)
                    routes:
                      - match: { service: nocert }
                        use: [ withoutcert ]
                      - use: [ withcert ]
                    """
                try await Setup.withDaemon(sandbox, yaml) { daemon in
                    try await Setup.expect(daemon, "alice", "alice-pw", ok: true)
                    try await Setup.expect(daemon, "alice", "wrong", ok: false)
                    let reply = try await Setup.ask(daemon, "alice", "alice-pw", service: "nocert")
                    #expect(reply == .answer("NO temporarily unavailable"), "\(reply)")
                    try await daemon.waitForLog(containing: "withoutcert: unavailable")
                }
            }
        }
    }
}
