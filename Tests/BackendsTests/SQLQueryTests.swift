import AuthCore
import AuthWire
@testable import SQLBackend
import Testing

/// `password_query` is parsed once into SQL with the driver's placeholders and the ordered
/// tokens; a login is only ever one of the bound values.
struct SQLQueryTests {
    @Test func placeholdersPerDriver() throws {
        let text = "SELECT password FROM mailbox WHERE username = %{user} AND domain = %{realm} AND '%%' <> %{login}"
        let postgres = try SQLQuery.parse(text, driver: .postgresql)
        #expect(postgres.sql == "SELECT password FROM mailbox WHERE username = $1 AND domain = $2 AND '%' <> $3")
        #expect(postgres.parameters == [.user, .realm, .login])
        let mariadb = try SQLQuery.parse(text, driver: .mariadb)
        #expect(mariadb.sql == "SELECT password FROM mailbox WHERE username = ? AND domain = ? AND '%' <> ?")
        #expect(try SQLQuery.parse(text, driver: .sqlite).sql == mariadb.sql)
        // A token used twice is bound twice.
        #expect(try SQLQuery.parse("SELECT p FROM t WHERE a = %{user} OR b = %{user}", driver: .postgresql).parameters == [.user, .user])
    }

    @Test func mistakesRefused() {
        for bad in [
            "SELECT p FROM t", "SELECT p FROM t WHERE a = %{nope}", "SELECT p FROM t WHERE a = %{user", "SELECT p FROM t WHERE a LIKE 'x%'",
        ] {
            #expect(throws: SQLQueryError.self, "\(bad)") { try SQLQuery.parse(bad, driver: .postgresql) }
        }
        #expect(throws: SQLQueryError.self) { try SQLQuery.parse("SELECT p FROM t WHERE a = %{user} AND b = ?", driver: .mariadb) }
        // A ? inside a quoted string is text, not a placeholder.
        #expect(throws: Never.self) { try SQLQuery.parse("SELECT p FROM t WHERE a = %{user} AND b <> '?'", driver: .sqlite) }
        #expect(throws: SQLQueryError.self) { try SQLQuery.parse("SELECT p FROM t WHERE a = %{user} OR a = $2", driver: .postgresql) }
    }

    /// Each token's value, and the bytes the cache and throttle key on; a login that is not
    /// UTF-8 binds nothing (the databases take UTF-8 text) and is an unknown user.
    @Test func lookupBindsTokenValues() throws {
        var settings = SQLSettings()
        settings.driver = .postgresql
        settings.query = try SQLQuery.parse("SELECT p FROM t WHERE a = %{user} AND b = %{login} AND c = %{realm} AND d = %{service}", driver: .postgresql)
        let identity = CanonicalIdentity(user: "alice", realm: "example.com", loginAsSent: "Alice@Mail.example.com")
        let found = settings.lookup(for: CheckSubject(identity: identity, service: "imap"))
        #expect(found.lookup.parameters == ["alice@example.com", "Alice@Mail.example.com", "example.com", "imap"])
        #expect(found.asked.bytes == Array("alice@example.com\0Alice@Mail.example.com\0example.com\0imap".utf8))
        settings.identity = .bare
        #expect(settings.lookup(for: CheckSubject(identity: identity, service: "imap")).lookup.parameters?.first == "alice")
        let odd = CanonicalIdentity(user: ByteString([0x61, 0xff]), realm: "example.com", loginAsSent: ByteString([0x61, 0xff]))
        #expect(settings.lookup(for: CheckSubject(identity: odd, service: "imap")).lookup.parameters == nil)
        // A NUL would end the value early in libpq's hands, asking for "a" instead: no query.
        let withNUL = CanonicalIdentity(user: ByteString([0x61, 0x00, 0x62]), realm: "example.com", loginAsSent: ByteString([0x61, 0x00, 0x62]))
        #expect(settings.lookup(for: CheckSubject(identity: withNUL, service: "imap")).lookup.parameters == nil)
    }

    @Test func postgresSocketPathsSplitIntoFolderAndPort() {
        #expect(PostgresConnection.splitSocketPath("/run/postgresql/.s.PGSQL.5432")! == ("/run/postgresql", 5432))
        #expect(PostgresConnection.splitSocketPath("/.s.PGSQL.5433")! == ("/", 5433))
        #expect(PostgresConnection.splitSocketPath("/run/postgresql") == nil)
        #expect(PostgresConnection.splitSocketPath("/run/postgresql/.s.PGSQL.") == nil)
        #expect(PostgresConnection.splitSocketPath("/run/postgresql/.s.PGSQL.99999") == nil)
    }

    @Test func hostsParse() {
        #expect(SQLHost.parse("db1", defaultPort: 5432) == SQLHost(host: "db1", port: 5432))
        #expect(SQLHost.parse("db1:5433", defaultPort: 5432) == SQLHost(host: "db1", port: 5433))
        #expect(SQLHost.parse("[::1]:3307", defaultPort: 3306) == SQLHost(host: "::1", port: 3307))
        #expect(SQLHost.parse("/run/mysqld/mysqld.sock", defaultPort: 3306)?.socketPath == "/run/mysqld/mysqld.sock")
        #expect(SQLHost.parse("db1:0", defaultPort: 5432) == nil)
        #expect(SQLHost.parse("db1:x", defaultPort: 5432) == nil)
    }

    @Test func sqliteURIIsReadOnlyAndEscaped() {
        #expect(SQLiteStore.readOnlyURI("/var/lib/a?b#c%d.db") == "file:/var/lib/a%3Fb%23c%25d.db?mode=ro")
    }
}
