import AuthCore
import AuthWire
import Backends
import Testing

/// saslauthd's tokens and the escaping of every value substituted into a filter or a DN.
@Suite("LDAP filter and DN templates")
struct LDAPTemplateTests {
    func expand(_ template: String, user: String, realm: String = "example.com", service: String = "imap",
                defaultRealm: String? = nil, _ context: LDAPTemplate.Context = .filter) throws -> String {
        try LDAPTemplate(template).expand(
            identity: CanonicalIdentity(user: ByteString(user), realm: ByteString(realm), loginAsSent: ByteString(user)), service: ByteString(service),
            defaultRealm: defaultRealm.map { ByteString($0) }, context: context)
    }

    @Test func tokensFollowSaslauthd() throws {
        #expect(try expand("(uid=%u)", user: "alice") == "(uid=alice)")
        #expect(try expand("%u|%U|%d|%r|%s|%1|%2|%3|%%", user: "alice", realm: "mail.example.com")
            == "alice|alice|mail.example.com|mail.example.com|imap|com|example|mail|%")
        // split_login: never keeps the @ in the user: %U and %d split it as saslauthd does.
        #expect(try expand("%u|%U|%d|%1|%r", user: "bob@other.org", realm: "example.com") == "bob@other.org|bob|other.org|org|example.com")
        // No realm: default_realm stands in; without one the tokens are empty.
        #expect(try expand("%r|%d|%2", user: "carol", realm: "", defaultRealm: "example.net") == "example.net|example.net|example")
        #expect(try expand("(uid=%u)(d=%d)(x=%4)", user: "carol", realm: "") == "(uid=carol)(d=)(x=)")
    }

    @Test func filterValuesAreEscapedPerRFC4515() throws {
        #expect(try expand("(uid=%u)", user: "*)(uid=*") == "(uid=\\2a\\29\\28uid=\\2a)")
        #expect(try expand("(uid=%u)", user: "admin)(|(uid=*") == "(uid=admin\\29\\28|\\28uid=\\2a)")
        #expect(try expand("(uid=%u)", user: "a\\b\u{0}c") == "(uid=a\\5cb\\00c)")
        #expect(try expand("(uid=%u)", user: "jörg") == "(uid=jörg)")
        // The template's own metacharacters are not touched.
        #expect(try expand("(&(uid=%U)(mail=*@%d))", user: "x*") == "(&(uid=x\\2a)(mail=*@example.com))")
    }

    @Test func dnValuesAreEscapedPerRFC4514() throws {
        #expect(try expand("uid=%u,ou=people", user: "a,ou=admins", .dn) == "uid=a\\,ou\\=admins,ou=people")
        #expect(try expand("uid=%u,dc=%2,dc=%1", user: "b+c\"<>;\\", .dn) == "uid=b\\+c\\\"\\<\\>\\;\\\\,dc=example,dc=com")
        #expect(try expand("uid=%u", user: " #lead trail ", .dn) == "uid=\\ #lead trail\\ ")
        #expect(try expand("uid=%u", user: "#x", .dn) == "uid=\\#x")
        #expect(try expand("uid=%u", user: "x*y(z)", .dn) == "uid=x*y(z)")
    }

    @Test func badTemplatesAreRefused() {
        #expect(throws: LDAPTemplateError.self) { try LDAPTemplate("(uid=%x)") }
        #expect(throws: LDAPTemplateError.self) { try LDAPTemplate("(uid=%u)%") }
        #expect(throws: LDAPTemplateError.self) { try LDAPTemplate("(uid=%D)") }
    }
}
