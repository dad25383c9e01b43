/// `password_query`, parsed once when the configuration is loaded: the SQL text with each
/// `%{token}` replaced by the driver's placeholder, and the tokens in the order their values are
/// bound. The text sent to the database never changes from one check to the next; only the
/// bound values do, so no login can change what the statement means.
public struct SQLQuery: Sendable, Equatable {
    /// As written in the configuration.
    public var template: String
    /// What the database is given to prepare.
    public var sql: String
    /// One entry per placeholder, in order.
    public var parameters: [SQLToken]

    /// Parses `template` for `driver`. Refuses an unknown token, a `%{` left open, a `%` that
    /// starts no token (write `%%` for a literal `%`, as in `LIKE 'a%%'`), and a query with no
    /// token at all (it would answer the same row for every user).
    static func parse(_ template: String, driver: SQLDriver) throws(SQLQueryError) -> SQLQuery {
        var sql = ""
        var parameters: [SQLToken] = []
        var rest = Substring(template)
        while let percent = rest.firstIndex(of: "%") {
            sql += rest[..<percent]
            let after = rest[rest.index(after: percent)...]
            if after.hasPrefix("%") {
                sql += "%"
                rest = after.dropFirst()
                continue
            }
            guard after.hasPrefix("{") else {
                throw SQLQueryError(message: "a % must start a token such as %{user} (write %% for a literal %)")
            }
            guard let close = after.firstIndex(of: "}") else { throw SQLQueryError(message: "%{ without its closing }") }
            let name = String(after[after.index(after: after.startIndex)..<close])
            guard let token = SQLToken(rawValue: name) else {
                throw SQLQueryError(message: "unknown token %{\(name)} (known: \(SQLToken.allCases.map { "%{\($0.rawValue)}" }.joined(separator: ", ")))")
            }
            parameters.append(token)
            sql += driver.placeholder(parameters.count)
            rest = after[after.index(after: close)...]
        }
        sql += rest
        guard !parameters.isEmpty else {
            throw SQLQueryError(message: "names no token: every user would get the same row (use %{user} or %{login})")
        }
        // A placeholder of the driver's own written by hand would shift every bound value.
        let literal = template.replacing("%%", with: "")
        if driver == .postgresql, literal.contains(/\$[0-9]/) {
            throw SQLQueryError(message: "write tokens (%{user}), not $1 placeholders: authmux numbers them itself")
        }
        if driver != .postgresql, Self.hasBareQuestionMark(literal) {
            throw SQLQueryError(message: "write tokens (%{user}), not ? placeholders: authmux places them itself")
        }
        return SQLQuery(template: template, sql: sql, parameters: parameters)
    }

    /// A `?` outside quoted text, which MariaDB and SQLite would take for a placeholder.
    private static func hasBareQuestionMark(_ text: String) -> Bool {
        var quote: Character?
        for character in text {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" || character == "`" {
                quote = character
            } else if character == "?" {
                return true
            }
        }
        return false
    }
}
