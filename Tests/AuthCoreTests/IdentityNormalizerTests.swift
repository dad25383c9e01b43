import AuthCore
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
        let identity = try IdentityNormalizer.normalize(login: row.login, realm: row.realm, rules: Self.designRules).get().identity
        #expect(identity.user == row.user)
        #expect(identity.realm == row.canonicalRealm)
        #expect(identity.loginAsSent == row.login)
        #expect(IdentityStyle.bare.render(identity) == row.user)
        #expect(IdentityStyle.qualified.render(identity) == "\(row.user)@\(row.canonicalRealm)")
        #expect(IdentityStyle.asSent.render(identity) == row.login)
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
    /// which a Character search skipped, so `last` split at an earlier "@" and `first` at a later one.
    @Test func splitLooksForTheAtAmongUnicodeScalars() throws {
        let last = try IdentityNormalizer.normalize(login: "a@b@\u{301}c", realm: "", rules: RealmRules(splitLogin: .last)).get().identity
        #expect(Array(last.user.unicodeScalars) == Array("a@b".unicodeScalars))
        #expect(Array(last.realm.unicodeScalars) == Array("\u{301}c".unicodeScalars))
        let first = try IdentityNormalizer.normalize(login: "a@\u{301}b@c", realm: "", rules: RealmRules(splitLogin: .first)).get().identity
        #expect(Array(first.user.unicodeScalars) == Array("a".unicodeScalars))
        #expect(Array(first.realm.unicodeScalars) == Array("\u{301}b@c".unicodeScalars))
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

    @Test("control characters are refused", arguments: ["fo\u{0}o", "foo\n", "\u{7F}foo", "fo\u{85}o", "foo\tbar"])
    func controlCharactersInLogin(_ login: String) {
        #expect(IdentityNormalizer.normalize(login: login, realm: "", rules: RealmRules()) == .failure(.controlCharacter(field: "login")))
    }

    @Test func controlCharactersInRealm() {
        #expect(IdentityNormalizer.normalize(login: "foo", realm: "exa\rmple.com", rules: RealmRules()) == .failure(.controlCharacter(field: "realm")))
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
