@testable import AuthDaemon
import AuthCore
import AuthWire
import Testing

/// `authmuxd migrate`'s reading of saslauthd's files and command lines, and the YAML it writes:
/// every translation must load with the daemon's own config loader and name saslauthd's socket.
@Suite("migrate: saslauthd set-ups to authmux.yaml")
struct MigrationTranslationTests {
    /// The variables of Debian 12's /etc/default/saslauthd as sasl2-bin ships it (comments cut).
    static let debianShipped = """
        DESC="SASL Authentication Daemon"
        NAME="saslauthd"
        MECHANISMS="pam"
        MECH_OPTIONS=""
        THREADS=5
        OPTIONS="-c -m /var/run/saslauthd"
        """

    static func translate(_ input: SaslauthdTranslation.Input) throws -> (SaslauthdTranslation, AuthmuxConfig) {
        let translation = SaslauthdTranslation(input)
        let config = try ConfigLoader.parse(yaml: translation.yaml, file: "migrated.yaml", catalog: Composition.catalog)
        return (translation, config)
    }

    @Test func shellAssignmentsReadQuotesExpansionsAndCommentsButNoCommands() {
        let file = ShellAssignments(text: """
            # comment
            DIR=/var/spool/postfix
            export OPTIONS="-c -m ${DIR}/var/run/saslauthd" # trailing comment
            SINGLE='$DIR stays'
            ESCAPED="a \\"quoted\\" word"
            [ -r /etc/other ] && . /etc/other
            """)
        #expect(file["OPTIONS"] == "-c -m /var/spool/postfix/var/run/saslauthd")
        #expect(file["SINGLE"] == "$DIR stays")
        #expect(file["ESCAPED"] == "a \"quoted\" word")
        #expect(file.ignored == [6])
        #expect(file.lines["OPTIONS"] == 3)
    }

    @Test func commandLineIsReadAsSaslauthdsGetoptReadsIt() {
        let options = SaslauthdOptions(arguments: ["/usr/sbin/saslauthd", "-a", "ldap", "-O/etc/other.conf", "-cr", "-t", "600", "-n5", "-m", "/run/saslauthd", "-l", "-x", "extra"])
        #expect(options.mechanism == "ldap")
        #expect(options.mechanismOption == "/etc/other.conf")
        #expect(options.cache && options.realmOnLogin && options.noLockFile)
        #expect(options.cacheTimeout == "600")
        #expect(options.threads == "5")
        #expect(options.socketDirectory == "/run/saslauthd")
        #expect(options.unknown == ["-x"])
        #expect(options.strays == ["extra"])
    }

    @Test func debiansShippedDefaultBecomesAPamBackendOnTheSameSocket() throws {
        let instance = SaslauthdInstance(debianDefaults: Self.debianShipped, file: "/etc/default/saslauthd")
        #expect(instance.options.mechanism == "pam")
        #expect(instance.options.threads == "5")
        #expect(!instance.starts, "the shipped file has no START=yes")
        let (translation, config) = try Self.translate(.init(instances: [instance]))
        #expect(translation.listenerPaths == ["/var/run/saslauthd/mux"])
        #expect(config.listeners.map(\.path) == ["/var/run/saslauthd/mux"])
        #expect(config.backends.map(\.settings.type) == ["pam"])
        #expect(config.cache.enabled, "-c")
        #expect(config.cache.ttl == .hours(8), "saslauthd's default cache timeout")
        #expect(config.cache.negativeTTL == .zero)
        #expect(translation.yaml.contains("threads: 5"))
        #expect(translation.yaml.contains("START"), "says the instance does not start today")
    }

    @Test func postfixChrootSocketAndItsConsumerFileAgree() throws {
        let instance = SaslauthdInstance(debianDefaults: """
            START=yes
            NAME="saslauthd-postfix"
            MECHANISMS="sasldb"
            OPTIONS="-c -m /var/spool/postfix/var/run/saslauthd"
            """, file: "/etc/default/saslauthd-postfix")
        let smtpd = SaslKeyValueFile(text: """
            pwcheck_method: saslauthd
            saslauthd_path: /var/run/saslauthd/mux
            mech_list: PLAIN LOGIN CRAM-MD5
            """, path: "/etc/postfix/sasl/smtpd.conf")
        let (translation, config) = try Self.translate(.init(instances: [instance], consumers: [smtpd]))
        #expect(config.listeners.map(\.path) == ["/var/spool/postfix/var/run/saslauthd/mux"], "the consumer's path is the same socket, seen from the chroot")
        #expect(config.backends.map(\.settings.type) == ["sasldb"])
        #expect(translation.yaml.contains("chroot"))
        #expect(translation.yaml.contains("CRAM-MD5 need"), "mechanisms that need the secret are named")
    }

    @Test func consumerPathOutsideEveryInstanceGetsItsOwnListener() throws {
        let instance = SaslauthdInstance(arguments: ["-a", "sasldb", "-m", "/run/saslauthd"])
        let consumer = SaslKeyValueFile(text: "pwcheck_method: saslauthd\nsaslauthd_path: /run/other/mux\n", path: "/etc/sasl2/slapd.conf")
        let (_, config) = try Self.translate(.init(instances: [instance], consumers: [consumer]))
        #expect(config.listeners.map(\.path) == ["/run/saslauthd/mux", "/run/other/mux"])
    }

    @Test func redHatSysconfigUsesSocketdirMechAndFlags() throws {
        let instance = SaslauthdInstance(sysconfig: """
            SOCKETDIR=/run/saslauthd
            MECH=shadow
            FLAGS="-r -t 300 -c"
            """, file: "/etc/sysconfig/saslauthd")
        let (translation, config) = try Self.translate(.init(instances: [instance]))
        #expect(config.listeners.map(\.path) == ["/run/saslauthd/mux"])
        #expect(config.backends.map(\.settings.type) == ["pam"], "shadow is read through pam_unix")
        #expect(translation.yaml.contains("identity: qualified"), "-r")
        #expect(config.cache.ttl == .minutes(5))
    }

    @Test func saslauthdConfBecomesLDAPKeysAndUnknownKeysAreNamed() throws {
        let instance = SaslauthdInstance(arguments: ["-a", "ldap", "-O", "/etc/saslauthd-ldap.conf", "-m", "/run/saslauthd"])
        let conf = SaslKeyValueFile(text: """
            ldap_servers: ldap://ldap1.example.com/ ldap://ldap2.example.com/
            ldap_search_base: ou=people,dc=example,dc=com
            ldap_filter: (&(uid=%u)(objectClass=posixAccount))
            ldap_bind_dn: cn=saslauthd,dc=example,dc=com
            ldap_password: se"cret # not a comment
            ldap_timeout: 3
            ldap_start_tls: yes
            ldap_deref: never
            """, path: "/etc/saslauthd-ldap.conf")
        let (translation, config) = try Self.translate(.init(instances: [instance], saslauthdConfs: ["/etc/saslauthd-ldap.conf": conf]))
        #expect(config.backends.map(\.settings.type) == ["ldap"])
        #expect(translation.yaml.contains(#"servers: [ "ldap://ldap1.example.com/", "ldap://ldap2.example.com/" ]"#))
        #expect(translation.yaml.contains(#"bind_password: "se\"cret # not a comment""#))
        #expect(translation.yaml.contains("timeout: 3s"))
        #expect(translation.gaps.contains { $0.contains("ldap_deref") })
        #expect(!config.cache.enabled, "no -c")
    }

    @Test func mechanismsWithoutEquivalentGetAPlaceholderThatServesNobody() throws {
        let instance = SaslauthdInstance(arguments: ["-a", "rimap", "-O", "imap.example.com", "-m", "/run/saslauthd"])
        let (translation, config) = try Self.translate(.init(instances: [instance]))
        #expect(config.backends.map(\.settings.type) == ["passwd-file"])
        #expect(translation.gaps.contains { $0.contains("rimap") })
        #expect(translation.yaml.contains("NO EQUIVALENT"))
    }

    @Test func instancesWithDifferentMechanismsBecomeOneChainAndSaySo() throws {
        let first = SaslauthdInstance(arguments: ["-a", "pam", "-m", "/run/saslauthd"])
        let second = SaslauthdInstance(arguments: ["-a", "sasldb", "-m", "/var/spool/postfix/var/run/saslauthd"])
        let (translation, config) = try Self.translate(.init(instances: [first, second]))
        #expect(config.listeners.count == 2)
        #expect(config.routes.first?.chain == ["pam", "sasldb"])
        #expect(translation.gaps.contains { $0.contains("own mechanism") })
    }

    @Test func realmOnLoginIsQualifiedForPamAndNamedForSasldb() throws {
        let pam = SaslauthdInstance(arguments: ["-a", "pam", "-r", "-m", "/run/saslauthd"])
        let (pamTranslation, _) = try Self.translate(.init(instances: [pam]))
        #expect(pamTranslation.yaml.contains("identity: qualified"))
        #expect(pamTranslation.gaps.isEmpty, "\(pamTranslation.gaps)")
        let sasldb = SaslauthdInstance(arguments: ["-a", "sasldb", "-r", "-m", "/run/saslauthd"])
        let (sasldbTranslation, _) = try Self.translate(.init(instances: [sasldb]))
        #expect(sasldbTranslation.gaps.contains { $0.hasPrefix("-r:") })
    }

    @Test func withoutTheSaslGroupTheSocketGetsNone() throws {
        let instance = SaslauthdInstance(arguments: ["-a", "sasldb"])
        var input = SaslauthdTranslation.Input(instances: [instance])
        input.saslGroupExists = false
        let (_, config) = try Self.translate(input)
        #expect(config.listeners.first?.group == nil)
        #expect(config.listeners.first?.path == "/var/run/saslauthd/mux", "no -m: the compiled-in directory")
    }

    @Test func loginsFileKeepsPasswordsOutOfStrings() throws {
        let text = "# user realm password service\nalice example.com s3cret smtp\n\nbob - other imap\n"
        let logins = try Array(text.utf8).withUnsafeBytes { try TestLoginFile.parse($0) }
        #expect(logins.map(\.login) == ["alice", "bob"])
        #expect(logins.map(\.realm) == ["example.com", ""])
        #expect(logins[0].password.constantTimeEquals(Secret("s3cret")))
        #expect(!logins[0].label.contains("s3cret"))
        #expect(throws: TestLoginFile.Problem.self) { try Array("alice example.com\n".utf8).withUnsafeBytes { try TestLoginFile.parse($0) } }
    }
}
