import AuthCore
import AuthWire
import Testing

@Suite("Realm rules (DESIGN.md, Identity and realms)")
struct IdentityNormalizerTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var login: String
        var realm: String
        var user: String
        var canonicalRealm: String
        var testDescription: String { "\(login) / \"\(realm)\"" }
    }

    static let designRules = RealmRules(defaultRealm: "example.com", aliases: ["vm": "example.com"])

    /// Every row of the table in DESIGN.md.
    static let designTable: [Row] = [
        Row(login: "foo", realm: "", user: "foo", canonicalRealm: "example.com"),
        Row(login: "foo@example.com", realm: "", user: "foo", canonicalRealm: "example.com"),
        Row(login: "foo", realm: "example.com", user: "foo", canonicalRealm: "example.com"),
        Row(login: "foo@vm", realm: "", user: "foo", canonicalRealm: "example.com"),
        Row(login: "FOO@EXAMPLE.COM", realm: "", user: "FOO", canonicalRealm: "example.com"),
    ]

    @Test("DESIGN.md table", arguments: designTable)
    func designTableRow(_ row: Row) throws {
        let identity = try IdentityNormalizer.normalize(login: ByteString(row.login), realm: ByteString(row.realm), rules: Self.designRules).get().identity
        #expect(identity.user == ByteString(row.user))
        #expect(identity.realm == ByteString(row.canonicalRealm))
        #expect(identity.loginAsSent == ByteString(row.login))
        #expect(IdentityStyle.bare.render(identity) == ByteString(row.user))
        #expect(IdentityStyle.qualified.render(identity) == ByteString("\(row.user)@\(row.canonicalRealm)"))
        #expect(IdentityStyle.asSent.render(identity) == ByteString(row.login))
    }

    @Test func splitLastUsesTheLastAt() throws {
        let id = try IdentityNormalizer.normalize(login: "a@b@example.com", realm: "", rules: RealmRules(splitLogin: .last)).get().identity
        #expect(id.user == "a@b")
        #expect(id.realm == "example.com")
    }

    @Test func splitFirstUsesTheFirstAt() throws {
        let id = try IdentityNormalizer.normalize(login: "a@b@example.com", realm: "", rules: RealmRules(splitLogin: .first)).get().identity
        #expect(id.user == "a")
        #expect(id.realm == "b@example.com")
    }

    /// Found by the FuzzRealms fuzz target: "@" followed by a combining mark is one Character,
    /// which a Character search skipped, so `last` split at an earlier "@" and `first` at a later
    /// one. Bytes split where libsasl2 and saslpasswd2 do.
    @Test func splitLooksForTheAtAmongBytes() throws {
        let last = try IdentityNormalizer.normalize(login: "a@b@\u{301}c", realm: "", rules: RealmRules(splitLogin: .last)).get().identity
        #expect(last.user.bytes == Array("a@b".utf8))
        #expect(last.realm.bytes == Array("\u{301}c".utf8))
        let first = try IdentityNormalizer.normalize(login: "a@\u{301}b@c", realm: "", rules: RealmRules(splitLogin: .first)).get().identity
        #expect(first.user.bytes == Array("a".utf8))
        #expect(first.realm.bytes == Array("\u{301}b@c".utf8))
    }

    @Test func splitNeverKeepsTheLoginWhole() throws {
        let id = try IdentityNormalizer.normalize(login: "a@b", realm: "Example.com", rules: RealmRules(splitLogin: .never)).get().identity
        #expect(id.user == "a@b")
        #expect(id.realm == "example.com")
    }

    @Test func realmInTheLoginWinsOverTheRealmField() throws {
        let id = try IdentityNormalizer.normalize(login: "foo@one.org", realm: "two.org", rules: RealmRules()).get().identity
        #expect(id.realm == "one.org")
    }

    @Test func emptyRealmAfterAtFallsBackToTheField() throws {
        let id = try IdentityNormalizer.normalize(login: "foo@", realm: "two.org", rules: RealmRules()).get().identity
        #expect(id.user == "foo")
        #expect(id.realm == "two.org")
    }

    @Test func defaultRealmOnlyWhenNoneGiven() throws {
        let rules = RealmRules(defaultRealm: "Default.ORG.")
        #expect(try IdentityNormalizer.normalize(login: "foo", realm: "", rules: rules).get().identity.realm == "default.org")
        #expect(try IdentityNormalizer.normalize(login: "foo", realm: "other.org", rules: rules).get().identity.realm == "other.org")
    }

    /// Found by the FuzzRealms fuzz target: "." spells as an empty realm after rule 4, and used to
    /// skip both the realm field and realms.default on the way.
    @Test func aLoneDotIsNoRealm() throws {
        let rules = RealmRules(defaultRealm: "example.net")
        #expect(try IdentityNormalizer.normalize(login: "foo", realm: ".", rules: rules).get().identity.realm == "example.net")
        #expect(try IdentityNormalizer.normalize(login: "foo@.", realm: "", rules: rules).get().identity.realm == "example.net")
        #expect(try IdentityNormalizer.normalize(login: "foo@.", realm: "two.org", rules: rules).get().identity.realm == "two.org")
        #expect(try IdentityNormalizer.normalize(login: "foo@.", realm: "", rules: RealmRules()).get().identity.qualified == "foo")
    }

    @Test func withoutDefaultTheRealmStaysEmpty() throws {
        let id = try IdentityNormalizer.normalize(login: "foo", realm: "", rules: RealmRules()).get().identity
        #expect(id.realm.isEmpty)
        #expect(id.qualified == "foo")
    }

    @Test func realmIsLowercasedAndLosesOneTrailingDot() throws {
        let id = try IdentityNormalizer.normalize(login: "foo@Mail.Example.COM.", realm: "", rules: RealmRules()).get().identity
        #expect(id.realm == "mail.example.com")
    }

    @Test func aliasesApplyAfterCanonicalSpelling() throws {
        let rules = RealmRules(aliases: ["mail.example.com": "example.com"])
        let id = try IdentityNormalizer.normalize(login: "foo@MAIL.example.com.", realm: "", rules: rules).get().identity
        #expect(id.realm == "example.com")
    }

    @Test func aliasesApplyOnceOnly() throws {
        let rules = RealmRules(aliases: ["a.org": "b.org", "b.org": "c.org"])
        #expect(try IdentityNormalizer.normalize(login: "foo@a.org", realm: "", rules: rules).get().identity.realm == "b.org")
        let looping = RealmRules(aliases: ["x.org": "y.org", "y.org": "x.org"])
        #expect(try IdentityNormalizer.normalize(login: "foo@x.org", realm: "", rules: looping).get().identity.realm == "y.org")
    }

    @Test func aliasAppliesToTheDefaultRealmToo() throws {
        let rules = RealmRules(defaultRealm: "vm", aliases: ["vm": "example.com"])
        #expect(try IdentityNormalizer.normalize(login: "foo", realm: "", rules: rules).get().identity.realm == "example.com")
    }

    @Test func userCaseIsKeptUnlessAsked() throws {
        let kept = try IdentityNormalizer.normalize(login: "FoO", realm: "x.org", rules: RealmRules()).get().identity
        #expect(kept.user == "FoO")
        let lowered = try IdentityNormalizer.normalize(login: "FoO", realm: "x.org", rules: RealmRules(lowercaseUser: true)).get().identity
        #expect(lowered.user == "foo")
        #expect(lowered.loginAsSent == "FoO")
    }

    /// Realms are DNS names: lowercased in ASCII only. Unicode case mapping would turn the
    /// Kelvin sign (U+212A) into `k` and make `\u{212A}.example` the realm `k.example`.
    @Test func realmsAreLowercasedInASCIIOnly() throws {
        let kelvin = try IdentityNormalizer.normalize(login: "foo@\u{212A}.EXAMPLE", realm: "", rules: RealmRules()).get().identity
        #expect(kelvin.realm.bytes == Array("\u{212A}.example".utf8))
        #expect(kelvin.realm != "k.example")
        let lowered = try IdentityNormalizer.normalize(login: "\u{212A}ELVIN", realm: "x.org", rules: RealmRules(lowercaseUser: true)).get().identity
        #expect(lowered.user.bytes == Array("\u{212A}elvin".utf8), "lowercase_user lowers ASCII letters only")
    }

    /// `josé` precomposed (NFC) and decomposed (NFD) are equal Swift Strings but two names to
    /// every store: they stay two identities, and aliases match bytes too.
    @Test func canonicallyEquivalentNamesStayDistinct() throws {
        let nfc = "jos\u{E9}"
        let nfd = "jose\u{301}"
        #expect(nfc == nfd, "Swift's String equality merges them")
        let one = try IdentityNormalizer.normalize(login: ByteString(nfc), realm: "example.com", rules: RealmRules()).get().identity
        let two = try IdentityNormalizer.normalize(login: ByteString(nfd), realm: "example.com", rules: RealmRules()).get().identity
        #expect(one.user != two.user)
        #expect(one != two)
        #expect(Set([one.user, two.user]).count == 2, "and so does hashing")
        let rules = RealmRules(aliases: [ByteString("caf\u{E9}.example"): "example.com"])
        let aliased = try IdentityNormalizer.normalize(login: ByteString("u@caf\u{E9}.example"), realm: "", rules: rules).get().identity
        let notAliased = try IdentityNormalizer.normalize(login: ByteString("u@cafe\u{301}.example"), realm: "", rules: rules).get().identity
        #expect(aliased.realm == "example.com")
        #expect(notAliased.realm.bytes == Array("cafe\u{301}.example".utf8))
    }

    @Test func emptyUserIsRefused() {
        #expect(IdentityNormalizer.normalize(login: "@example.com", realm: "", rules: RealmRules()) == .failure(.emptyUser))
    }

    @Test func stepsAreRecordedOnlyWhenAsked() throws {
        let quiet = try IdentityNormalizer.normalize(login: "foo@vm", realm: "", rules: Self.designRules).get()
        #expect(quiet.steps.isEmpty)
        let traced = try IdentityNormalizer.normalize(login: "foo@vm", realm: "", rules: Self.designRules, recordSteps: true).get()
        #expect(traced.steps.contains { $0.contains("alias \"vm\" -> \"example.com\"") })
    }
}
